package dr.summit.files.restore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The user this process runs as. */
final class ProcessUser {
    private ProcessUser() {
    }

    /**
     * The effective uid, from the owner of /proc/self followed (the link itself belongs to root
     * whoever reads it); -1 when it cannot be read.
     */
    static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
