package dr.summit.postgres.wal;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.format.Json;

import java.io.IOException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The part list of a WAL file archived in parts (docs/repository-format.md, "PostgreSQL"): its
 * size, the size of every part but the last, the push that wrote the parts (part objects are
 * named after it, so a crashed push never collides with the next one), and the file's SHA-256.
 */
public record WalPartList(long size, int partBytes, String pushId, byte[] sha256) {

    public WalPartList {
        if (size < 0 || partBytes <= 0 || !pushId.matches("[0-9a-f]{16}") || sha256.length != 32) {
            throw new IllegalArgumentException("invalid WAL part list");
        }
    }

    public int parts() {
        return (int) ((size + partBytes - 1) / partBytes);
    }

    /** Bytes in part {@code index}. */
    public int partSize(int index) {
        return (int) Math.min(partBytes, size - (long) index * partBytes);
    }

    /** The object holding part {@code index} of {@code fileName} in {@code cluster}. */
    public String partObject(String cluster, String fileName, int index) {
        return partPrefix(cluster, fileName) + pushId + "/" + String.format("%06d", index);
    }

    /** Where every part of {@code fileName} (of any push) lives. */
    public static String partPrefix(String cluster, String fileName) {
        return "pg/" + cluster + "/wal-parts/" + fileName + "/";
    }

    public byte[] encode() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("size", size);
        m.put("partBytes", partBytes);
        m.put("pushId", pushId);
        m.put("sha256", HexFormat.of().formatHex(sha256));
        try {
            return Json.MAPPER.writeValueAsBytes(m);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static WalPartList decode(byte[] json, String object) {
        try {
            var node = Json.MAPPER.readTree(json);
            return new WalPartList(node.get("size").asLong(-1), node.get("partBytes").asInt(-1), node.get("pushId").asText(),
                    HexFormat.of().parseHex(node.get("sha256").asText()));
        } catch (IOException | RuntimeException e) {
            throw new CorruptObjectException(object + ": not a valid WAL part list (" + e.getMessage() + ")");
        }
    }
}
