package dr.summit.repository.snapshot;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.format.Json;

import java.io.IOException;

/** Snapshot ⇄ JSON bytes (the payload of a sealed SNAPSHOT object). */
public final class SnapshotCodec {
    private SnapshotCodec() {
    }

    public static byte[] encode(Snapshot snapshot) {
        try {
            return Json.MAPPER.writeValueAsBytes(snapshot);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode snapshot", e);
        }
    }

    public static Snapshot decode(byte[] json, String id) {
        try {
            Snapshot s = Json.MAPPER.readValue(json, Snapshot.class);
            if (s.version() != Snapshot.VERSION) {
                throw new CorruptObjectException("snapshot " + id + ": unsupported snapshot version " + s.version());
            }
            if (s.tree() == null || s.time() == null) {
                throw new CorruptObjectException("snapshot " + id + ": missing tree or time");
            }
            return s.withId(id);
        } catch (IOException e) {
            throw new CorruptObjectException("snapshot " + id + ": malformed JSON (" + e.getClass().getSimpleName() + ")", e);
        }
    }
}
