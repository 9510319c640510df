package dr.summit.files.restore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Whether another local user could rename or replace entries of a restore target while it is being
 * restored: its first existing directory (the target itself, or the parent the missing part is
 * created in) is writable by group or others without the sticky bit, or owned by another user
 * (root excepted). The restore still never follows a swapped-in symlink; the warning says the
 * target is contested, which the operator should know.
 */
final class TargetExposure {
    private static final int GROUP_OR_OTHER_WRITE = 0022;
    private static final int STICKY = 01000;

    private TargetExposure() {
    }

    /** One line for the operator, or empty when only this user (and root) can change the directory. */
    static Optional<String> check(Path target, int ownUid) {
        Path dir = target.toAbsolutePath().normalize();
        while (dir != null && !Files.exists(dir)) {
            dir = dir.getParent();
        }
        if (dir == null) {
            return Optional.empty();
        }
        Map<String, Object> a;
        try {
            a = Files.readAttributes(dir, "unix:mode,uid");
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
        int mode = (Integer) a.get("mode");
        int uid = (Integer) a.get("uid");
        String which = dir.equals(target.toAbsolutePath().normalize()) ? "the target" : "its parent " + dir;
        String consequence = "; another user can rename or replace what is restored there (symlinks swapped in are not followed: such entries fail)";
        if ((mode & GROUP_OR_OTHER_WRITE) != 0 && (mode & STICKY) == 0) {
            return Optional.of("restore target " + target + ": " + which + " is writable by "
                    + ((mode & 0002) != 0 ? "all users" : "its group") + " (mode " + String.format("%04o", mode & 07777)
                    + ", no sticky bit)" + consequence);
        }
        if (ownUid >= 0 && uid != ownUid && uid != 0) {
            return Optional.of("restore target " + target + ": " + which + " belongs to another user (uid " + uid + ")" + consequence);
        }
        return Optional.empty();
    }
}
