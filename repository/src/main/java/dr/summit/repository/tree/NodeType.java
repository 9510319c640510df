package dr.summit.repository.tree;

import dr.summit.repository.CorruptObjectException;

/** Kinds of directory entries. */
public enum NodeType {
    FILE(1), DIRECTORY(2), SYMLINK(3), FIFO(4), CHAR_DEVICE(5), BLOCK_DEVICE(6), SOCKET(7);

    private final int code;

    NodeType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static NodeType ofCode(int code, String where) {
        for (NodeType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new CorruptObjectException(where + ": unknown node type " + code);
    }
}
