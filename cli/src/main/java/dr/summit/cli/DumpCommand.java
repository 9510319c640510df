package dr.summit.cli;

import dr.summit.files.browse.FileContent;
import dr.summit.files.browse.SnapshotArchive;
import dr.summit.files.browse.SnapshotLookup;
import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.tree.NodeType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "dump", description = {"Write one file of a snapshot to stdout, or a directory as a tar (or zip) archive.",
        "PATH '/' is the whole snapshot. Example: summit-dr dump latest /etc | tar -t"})
final class DumpCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin SnapshotFilter filter;

    @Parameters(index = "0", paramLabel = "SNAPSHOT", description = "Snapshot id, prefix or 'latest'.")
    String snapshotRef;
    @Parameters(index = "1", paramLabel = "PATH", description = "Path inside the snapshot (as 'ls' shows it).")
    String path;
    @Option(names = "--archive", paramLabel = "tar|zip", defaultValue = "tar", description = "Archive format for a directory (default: ${DEFAULT-VALUE}).")
    String archive;
    @Option(names = {"-t", "--target"}, paramLabel = "FILE", description = "Write here instead of stdout (written whole, then renamed into place).")
    Path target;

    @Override
    public Integer call() throws IOException {
        SnapshotArchive.Format format = switch (archive.toLowerCase(Locale.ROOT)) {
            case "tar" -> SnapshotArchive.Format.TAR;
            case "zip" -> SnapshotArchive.Format.ZIP;
            default -> throw new CommandFailure("--archive wants tar or zip", ExitCodes.USAGE);
        };
        if (target == null && System.console() != null) {
            throw new CommandFailure("dump writes binary data: redirect stdout or give --target FILE", ExitCodes.USAGE);
        }
        try (Repository repo = repository.open()) {
            Snapshot s = filter.find(repo, snapshotRef);
            SnapshotLookup.Found found;
            try {
                found = new SnapshotLookup(repo).find(BlobId.parse(s.tree()), path)
                        .orElseThrow(() -> new CommandFailure("no '" + path + "' in snapshot " + s.shortId(), ExitCodes.NOT_FOUND));
            } catch (IllegalArgumentException e) {
                throw new CommandFailure(e.getMessage(), ExitCodes.USAGE);
            }
            if (!found.isDirectory() && found.node().type() != NodeType.FILE) {
                throw new CommandFailure("'" + path + "' in snapshot " + s.shortId() + " is a " + found.node().type().name().toLowerCase(Locale.ROOT)
                        + ", not a file or directory", ExitCodes.USAGE);
            }
            writeTo(out -> {
                if (found.isDirectory()) {
                    List<String> components = SnapshotLookup.components(path);
                    String prefix = components.isEmpty() ? "" : components.get(components.size() - 1);
                    new SnapshotArchive(repo).write(found.directoryParts(), prefix, format, out);
                } else {
                    new FileContent(repo).copy(found.node(), out);
                }
            });
        }
        return ExitCodes.OK;
    }

    private interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /** To --target through a temporary file (a failed dump leaves no truncated file behind), or to stdout. */
    private void writeTo(Body body) throws IOException {
        if (target == null) {
            OutputStream stdout = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
            body.writeTo(stdout);
            stdout.flush();
            return;
        }
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".partial");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                body.writeTo(out);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
