package dr.summit.files.restore;

import java.io.IOException;

/**
 * A directory of the restore target is no longer the one the restore created or opened: someone
 * renamed, removed or replaced it (e.g. by a symlink) while the restore ran. Its entries fail.
 */
final class DirectoryReplacedException extends IOException {
    DirectoryReplacedException(String message) {
        super(message);
    }
}
