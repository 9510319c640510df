package dr.summit.repository.store;

/** A write-once name was written a second time. */
public class ObjectExistsException extends StoreException {
    public ObjectExistsException(String location, String name) {
        super("object " + name + " already exists in " + location + " (objects are write-once)");
    }
}
