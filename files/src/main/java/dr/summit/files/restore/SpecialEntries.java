package dr.summit.files.restore;

import dr.summit.files.fs.RawPaths;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Restores symlinks, FIFOs and device nodes into an open directory of the target. */
final class SpecialEntries {
    private final EntryMetadata metadata;
    private final boolean mayCreateDevices;
    private final AtomicLong tempCounter;

    SpecialEntries(EntryMetadata metadata, boolean mayCreateDevices, AtomicLong tempCounter) {
        this.metadata = metadata;
        this.mayCreateDevices = mayCreateDevices;
        this.tempCounter = tempCounter;
    }

    /** Creates {@code name} in {@code dir}; returns a warning when the entry is deliberately not restored. */
    String restore(OpenDirectory dir, Path name, Path display, Node node) throws IOException, InterruptedException {
        if (node.type() == NodeType.SYMLINK) {
            // symlink(2) never follows its last component; the pinned path fixes the directory.
            Files.createSymbolicLink(dir.pinned(name), RawPaths.fromBytes(node.linkTarget()));
            metadata.applyToSymlink(dir, name, node);
            return null;
        }
        // mkfifo/mknod/touch take the path as a string, which cannot carry a name that is not UTF-8:
        // make the node under an ASCII temporary name in its directory, then rename it into place.
        String temp = Restorer.TEMP_PREFIX + "special-" + tempCounter.incrementAndGet();
        String pinned = dir.pinnedForChildProcess(temp);
        // Permission bits are given at creation (coreutils sets them without following links);
        // opening a FIFO or device to chmod it would block or act on the device. Set-id bits on
        // such nodes mean nothing and are not restored.
        String mode = Integer.toOctalString(node.mode() & 0777);
        switch (node.type()) {
            case FIFO -> run("mkfifo", "-m", mode, "--", pinned);
            case CHAR_DEVICE, BLOCK_DEVICE -> {
                if (!mayCreateDevices) {
                    return display + ": device node not restored (needs root)";
                }
                long rdev = node.rdev();
                run("mknod", "-m", mode, "--", pinned, node.type() == NodeType.CHAR_DEVICE ? "c" : "b",
                        Long.toString((rdev >>> 8) & 0xfff | ((rdev >>> 32) & ~0xfffL)),
                        Long.toString((rdev & 0xff) | ((rdev >>> 12) & ~0xffL)));
            }
            default -> {
                return display + ": socket not restored (sockets are created by their server)";
            }
        }
        Path tempName = Path.of(temp);
        try {
            metadata.applyOwnerToSpecial(dir, tempName, node);
            // The JDK opens a file to set its times: touch -h uses utimensat without following links.
            BigDecimal exact = BigDecimal.valueOf(node.mtimeSeconds()).add(BigDecimal.valueOf(node.mtimeNanos(), 9));
            run("touch", "-h", "-c", "-m", "-d", "@" + exact.toPlainString(), "--", pinned);
            dir.stream.move(tempName, dir.stream, name);
        } finally {
            try {
                dir.stream.deleteFile(tempName);
            } catch (NoSuchFileException expected) {
                // Renamed into place.
            }
        }
        return null;
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IOException(command[0] + " failed: " + out);
        }
    }
}
