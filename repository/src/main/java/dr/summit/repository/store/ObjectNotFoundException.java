package dr.summit.repository.store;

/** The named object does not exist in the store. */
public class ObjectNotFoundException extends StoreException {
    public ObjectNotFoundException(String location, String name) {
        super("object " + name + " not found in " + location);
    }
}
