package dr.summit.repository.blob;

import dr.summit.repository.CorruptObjectException;

/** What a blob holds; part of its associated data, so a tree can never be passed off as data. */
public enum BlobType {
    /** A chunk of file (or stream) content. */
    DATA(1),
    /** One part of a directory listing (docs/repository-format.md, "Tree"). */
    TREE(2),
    /** Part of a huge file's chunk list (docs/repository-format.md, "Content lists"). */
    CHUNK_LIST(3);

    private final int code;

    BlobType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static BlobType ofCode(int code, String where) {
        for (BlobType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new CorruptObjectException(where + ": unknown blob type " + code);
    }
}
