package dr.summit.postgres.stream;

import com.fasterxml.jackson.core.type.TypeReference;
import dr.summit.postgres.wal.WalGap;
import dr.summit.repository.format.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Gaps the valve opened while the repository could not store them, kept in a small local file
 * (JSON, written to a temporary file, fsynced and renamed, the directory fsynced) until
 * {@link BacklogValve} writes them into the repository. The file is the only record of WAL that
 * PostgreSQL was told is safe and is not: it is durable before the acknowledgement is sent.
 */
public final class GapJournal {
    private final Path file;
    private List<WalGap> pending;

    public GapJournal(Path file) {
        this.file = file.toAbsolutePath();
        this.pending = read(this.file);
    }

    public Path file() {
        return file;
    }

    private static List<WalGap> read(Path file) {
        if (!Files.exists(file)) {
            return new ArrayList<>();
        }
        try {
            return new ArrayList<>(Json.MAPPER.readValue(Files.readAllBytes(file), new TypeReference<List<WalGap>>() { }));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the WAL gap journal " + file + " (it lists WAL acknowledged to PostgreSQL"
                    + " but not stored; do not delete it before 'pg list' shows those gaps): " + e.getMessage(), e);
        }
    }

    /** Gaps not yet in the repository, oldest first. */
    public synchronized List<WalGap> pending() {
        return List.copyOf(pending);
    }

    /**
     * Records that WAL up to {@code to} was acknowledged without being stored: the open gap of
     * {@code source} on {@code timeline} grows, or a new one starts at {@code from}. Durable on return.
     */
    public synchronized WalGap dropped(int timeline, long from, long to, String source, List<String> segments, String reason) {
        java.time.Instant now = java.time.Instant.now();
        List<WalGap> next = new ArrayList<>(pending);
        WalGap gap = null;
        for (int i = next.size() - 1; i >= 0; i--) {
            WalGap g = next.get(i);
            if (g.timeline() == timeline && g.source().equals(source) && Long.compareUnsigned(g.to(), from) >= 0
                    && Long.compareUnsigned(g.from(), from) <= 0) {
                gap = g.extendedTo(to, now, segments, reason);
                next.set(i, gap);
                break;
            }
        }
        if (gap == null) {
            gap = new WalGap(timeline, dr.summit.postgres.wal.Lsn.format(from), dr.summit.postgres.wal.Lsn.format(to), now, now, source,
                    segments, reason);
            next.add(gap);
        }
        write(next);
        pending = next;
        return gap;
    }

    /** Forgets {@code written} (now in the repository); a gap that grew meanwhile stays. */
    public synchronized void written(List<WalGap> written) {
        List<WalGap> next = new ArrayList<>(pending);
        next.removeAll(written);
        write(next);
        pending = next;
    }

    private void write(List<WalGap> gaps) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(gaps)));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the WAL gap journal " + file + ": " + e.getMessage(), e);
        }
    }
}
