package dr.summit.repository;

/** The location holds no repository, or something that is not a Summit DR repository. */
public class NotARepositoryException extends RepositoryException {
    public NotARepositoryException(String message) {
        super(message);
    }
}
