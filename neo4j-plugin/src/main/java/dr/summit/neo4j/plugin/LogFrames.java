package dr.summit.neo4j.plugin;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The change log's record framing: {@code [int length][payload][int crc32(payload)]}. A payload
 * starts with its kind: {@code T} a transaction, {@code E} the session's clean end. A torn or
 * damaged frame (a crash while writing) ends the readable part of a session file.
 */
final class LogFrames {
    static final byte TX = 'T';
    static final byte END = 'E';
    private static final int MAX_FRAME = 1 << 30;

    private LogFrames() {
    }

    static byte[] encodeTx(TxChanges tx) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + tx.changes().size() * 48);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(TX);
        out.writeLong(tx.txId());
        out.writeLong(tx.commitTime());
        out.writeInt(tx.changes().size());
        for (Change c : tx.changes()) {
            out.writeByte(c.op().ordinal());
            out.writeLong(c.id());
            out.writeLong(c.start());
            out.writeLong(c.end());
            out.writeInt(c.names().length);
            for (String n : c.names()) {
                out.writeUTF(n);
            }
            out.writeInt(c.keys().length);
            for (int i = 0; i < c.keys().length; i++) {
                out.writeUTF(c.keys()[i]);
                ValueCodec.write(out, c.values()[i]);
            }
        }
        return frame(bytes.toByteArray());
    }

    static byte[] encodeEnd(long lastTx) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(END);
        out.writeLong(lastTx);
        return frame(bytes.toByteArray());
    }

    private static byte[] frame(byte[] payload) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(payload.length + 8);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(payload.length);
        out.write(payload);
        CRC32 crc = new CRC32();
        crc.update(payload);
        out.writeInt((int) crc.getValue());
        return bytes.toByteArray();
    }

    /** The next whole, undamaged payload, or null at the end of the readable part. */
    static byte[] next(DataInputStream in) throws IOException {
        try {
            int length = in.readInt();
            if (length <= 0 || length > MAX_FRAME) {
                return null;
            }
            byte[] payload = new byte[length];
            in.readFully(payload);
            int stored = in.readInt();
            CRC32 crc = new CRC32();
            crc.update(payload);
            return (int) crc.getValue() == stored ? payload : null;
        } catch (EOFException e) {
            return null;
        }
    }

    static TxChanges decodeTx(byte[] payload) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload));
        in.readByte();
        long txId = in.readLong();
        long commitTime = in.readLong();
        int n = in.readInt();
        List<Change> changes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Change.Op op = Change.Op.ALL[in.readUnsignedByte()];
            long id = in.readLong();
            long start = in.readLong();
            long end = in.readLong();
            String[] names = new String[in.readInt()];
            for (int j = 0; j < names.length; j++) {
                names[j] = in.readUTF();
            }
            int k = in.readInt();
            String[] keys = new String[k];
            Object[] values = new Object[k];
            for (int j = 0; j < k; j++) {
                keys[j] = in.readUTF();
                values[j] = ValueCodec.read(in);
            }
            changes.add(new Change(op, id, start, end, names, keys, values));
        }
        return new TxChanges(txId, commitTime, changes);
    }

    static long decodeEnd(byte[] payload) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload));
        in.readByte();
        return in.readLong();
    }

    static DataInputStream open(InputStream raw) {
        return new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 16));
    }
}
