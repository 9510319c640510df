package dr.summit.orchestrator.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import dr.summit.orchestrator.records.Json;
import dr.summit.orchestrator.records.Records;
import dr.summit.repository.store.ObjectExistsException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Append-only, hash-chained audit log: entry N is the record {@code orchestrator/audit/NNNNNNNNNNNN}
 * and carries SHA-256(previous hash || its own fields). Entries are sealed (AEAD), so an edit without
 * the key fails authentication; with the key, an edited, removed or reordered entry breaks the chain
 * or the numbering, which {@link #verify} reports. Removing the newest entries is caught only against
 * a head the operator kept ({@code audit verify --head HASH}). Two servers appending at once: the
 * write-once name makes the loser re-read and append after the winner.
 */
public final class AuditLog {
    private final Records records;
    private final Clock clock;
    private AuditEntry last;

    public AuditLog(Records records, Clock clock) {
        this.records = records;
        this.clock = clock;
    }

    /** What verify found: entries checked, the head hash, and the first problem (null when intact). */
    public record Verification(long entries, String head, String problem) {
        public boolean intact() {
            return problem == null;
        }
    }

    public synchronized AuditEntry append(String actor, String role, String action, String target, String remote, String result) {
        while (true) {
            AuditEntry previous = last != null ? last : newest();
            long seq = previous == null ? 1 : previous.seq() + 1;
            String prev = previous == null ? "" : previous.hash();
            AuditEntry entry = new AuditEntry(seq, clock.instant(), actor, role, action, target, remote, result, prev, null);
            entry = entry.withHash(hash(entry));
            try {
                records.put(name(seq), entry);
                last = entry;
                return entry;
            } catch (ObjectExistsException taken) {
                last = null; // another writer appended; chain after its entry
            }
        }
    }

    private static String name(long seq) {
        return String.format("audit/%012d", seq);
    }

    private AuditEntry newest() {
        List<String> names = records.list("audit/");
        return names.isEmpty() ? null : records.get(names.get(names.size() - 1), AuditEntry.class);
    }

    /** Entries with seq greater than {@code after}, at most {@code limit}, oldest first. */
    public List<AuditEntry> page(long after, int limit) {
        List<AuditEntry> out = new ArrayList<>();
        for (String name : records.list("audit/")) {
            long seq = Long.parseLong(name.substring("audit/".length()));
            if (seq > after && out.size() < limit) {
                out.add(records.get(name, AuditEntry.class));
            }
        }
        return out;
    }

    public Verification verify(String expectedHead) {
        List<String> names = records.list("audit/");
        String prev = "";
        long expectedSeq = 1;
        for (String name : names) {
            AuditEntry e;
            try {
                e = records.get(name, AuditEntry.class);
            } catch (RuntimeException unreadable) {
                return new Verification(expectedSeq - 1, prev, "entry " + name + " cannot be read: " + unreadable.getMessage());
            }
            long seq = Long.parseLong(name.substring("audit/".length()));
            if (seq != expectedSeq || e.seq() != seq) {
                return new Verification(expectedSeq - 1, prev, "entry " + expectedSeq + " is missing (next is " + name + ")");
            }
            if (!e.prev().equals(prev)) {
                return new Verification(expectedSeq - 1, prev, "entry " + seq + " does not follow entry " + (seq - 1) + " (chain broken)");
            }
            if (!hash(e.withHash(null)).equals(e.hash())) {
                return new Verification(expectedSeq - 1, prev, "entry " + seq + " was altered (hash mismatch)");
            }
            prev = e.hash();
            expectedSeq++;
        }
        if (expectedHead != null && !expectedHead.isEmpty() && !expectedHead.equals(prev)) {
            boolean seen = page(0, Integer.MAX_VALUE).stream().anyMatch(e -> e.hash().equals(expectedHead));
            if (!seen) {
                return new Verification(expectedSeq - 1, prev, "the head " + expectedHead + " kept earlier is not in the log (entries were removed)");
            }
        }
        return new Verification(expectedSeq - 1, prev, null);
    }

    static String hash(AuditEntry withoutHash) {
        try {
            byte[] fields = Json.MAPPER.writeValueAsBytes(withoutHash.withHash(null));
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(withoutHash.prev().getBytes(StandardCharsets.US_ASCII));
            d.update((byte) '\n');
            d.update(fields);
            return HexFormat.of().formatHex(d.digest());
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
