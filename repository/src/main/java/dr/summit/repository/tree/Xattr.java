package dr.summit.repository.tree;

/** An extended attribute: name (e.g. "user.mime_type") and raw value. */
public record Xattr(String name, byte[] value) {
}
