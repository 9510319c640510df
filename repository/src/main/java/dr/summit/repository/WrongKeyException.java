package dr.summit.repository;

/** No key slot of the repository opens with the secret that was given. */
public class WrongKeyException extends RepositoryException {
    public WrongKeyException(String message) {
        super(message);
    }
}
