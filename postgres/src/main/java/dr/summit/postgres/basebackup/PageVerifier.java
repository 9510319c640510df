package dr.summit.postgres.basebackup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Verifies PostgreSQL page checksums as a base backup streams relation files by, and records the
 * pages that fail. A page whose LSN is at or after the backup's start LSN is being written while
 * we read it (a torn read is normal in a fuzzy copy) and WAL replay rewrites it, so it is not a
 * failure; all-zero (new) pages carry no checksum.
 */
public final class PageVerifier {
    private static final Pattern RELATION_FILE = Pattern.compile("\\d+(?:_(?:fsm|vm|init))?(?:\\.(\\d+))?");
    private static final int MAX_REPORTED = 100;

    private final Path pgdata;
    private final long startLsn;
    private final AtomicLong pagesChecked = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final List<String> reported = new ArrayList<>();

    public PageVerifier(Path pgdata, long startLsn) {
        this.pgdata = pgdata.toAbsolutePath().normalize();
        this.startLsn = startLsn;
    }

    /** Checks the whole pages of a chunk read at {@code offset} of {@code file}. */
    public void inspect(Path file, long offset, byte[] chunk) {
        Matcher m = RELATION_FILE.matcher(file.getFileName().toString());
        if (!m.matches() || offset % PageChecksum.PAGE_SIZE != 0) {
            return;
        }
        long segment = m.group(1) == null ? 0 : Long.parseLong(m.group(1));
        for (int at = 0; at + PageChecksum.PAGE_SIZE <= chunk.length; at += PageChecksum.PAGE_SIZE) {
            if (PageChecksum.isNew(chunk, at)) {
                continue;
            }
            pagesChecked.incrementAndGet();
            long blockInFile = (offset + at) / PageChecksum.PAGE_SIZE;
            long block = segment * PageChecksum.BLOCKS_PER_SEGMENT + blockInFile;
            if (PageChecksum.compute(chunk, at, block) != PageChecksum.stored(chunk, at)
                    && Long.compareUnsigned(PageChecksum.lsn(chunk, at), startLsn) < 0) {
                failures.incrementAndGet();
                synchronized (reported) {
                    if (reported.size() < MAX_REPORTED) {
                        reported.add(pgdata.relativize(file.toAbsolutePath().normalize()) + " block " + blockInFile);
                    }
                }
            }
        }
    }

    public long pagesChecked() {
        return pagesChecked.get();
    }

    public long failures() {
        return failures.get();
    }

    /** The first failures, as "base/16384/16385 block 12". */
    public List<String> reported() {
        synchronized (reported) {
            return List.copyOf(reported);
        }
    }
}
