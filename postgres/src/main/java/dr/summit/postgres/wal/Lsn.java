package dr.summit.postgres.wal;

/** WAL positions as PostgreSQL writes them: "X/Y", the high and low 32 bits in hexadecimal. */
public final class Lsn {
    private Lsn() {
    }

    public static long parse(String lsn) {
        int slash = lsn.indexOf('/');
        if (slash <= 0 || slash == lsn.length() - 1) {
            throw new IllegalArgumentException("'" + lsn + "' is not an LSN (expected X/Y in hexadecimal, e.g. 0/3000060)");
        }
        try {
            long high = Long.parseLong(lsn.substring(0, slash), 16);
            long low = Long.parseLong(lsn.substring(slash + 1), 16);
            if (high >>> 32 != 0 || low >>> 32 != 0) {
                throw new NumberFormatException();
            }
            return high << 32 | low;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + lsn + "' is not an LSN (expected X/Y in hexadecimal, e.g. 0/3000060)");
        }
    }

    public static String format(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFF_FFFFL).toUpperCase();
    }
}
