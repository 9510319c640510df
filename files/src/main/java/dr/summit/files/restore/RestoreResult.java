package dr.summit.files.restore;

import java.util.List;

/** What a restore did; {@code failures} lists entries that could not be restored (they were not written). */
public record RestoreResult(long files, long directories, long others, long bytes, List<String> failures,
                            int failureCount, List<String> warnings, long verifiedFiles) {
    public boolean complete() {
        return failureCount == 0;
    }
}
