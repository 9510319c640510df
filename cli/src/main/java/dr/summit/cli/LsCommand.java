package dr.summit.cli;

import dr.summit.files.browse.TreeWalker;
import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "ls", description = "List the entries of a snapshot, optionally below PATH.")
final class LsCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin OutputOptions output;
    @Mixin SnapshotFilter filter;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SNAPSHOT", description = "Snapshot id, prefix or 'latest'.")
    String snapshotRef;
    @Parameters(index = "1", arity = "0..1", paramLabel = "PATH", description = "Only entries at or below this path (relative to the snapshot root).")
    String path;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        String prefix = path == null ? "" : path.replaceAll("^/+", "").replaceAll("/+$", "");
        try (Repository repo = repository.open()) {
            Snapshot s = filter.find(repo, snapshotRef);
            if (output.json) {
                // NDJSON, as restic's ls: the snapshot, then one line per entry as the walk reaches it, so memory
                // stays one directory per level however many entries the listing has.
                Map<String, Object> head = new LinkedHashMap<>();
                head.put("message_type", "snapshot");
                head.putAll(SnapshotsCommand.json(s));
                OutputOptions.printLine(out, head);
            }
            new TreeWalker(repo).walk(BlobId.parse(s.tree()), (raw, node) -> {
                String p = new String(raw, StandardCharsets.UTF_8);
                boolean inside = prefix.isEmpty() || p.equals(prefix) || p.startsWith(prefix + "/");
                boolean above = !inside && prefix.startsWith(p + "/");
                if (inside) {
                    if (output.json) {
                        Map<String, Object> line = new LinkedHashMap<>();
                        line.put("message_type", "node");
                        line.putAll(entry(p, node));
                        OutputOptions.printLine(out, line);
                    } else {
                        out.println(line(p, node));
                    }
                }
                return inside || above;
            });
            out.flush();
        }
        return ExitCodes.OK;
    }

    static String line(String path, Node n) {
        String type = switch (n.type()) {
            case DIRECTORY -> "d";
            case SYMLINK -> "l";
            case FIFO -> "p";
            case CHAR_DEVICE -> "c";
            case BLOCK_DEVICE -> "b";
            case SOCKET -> "s";
            default -> "-";
        };
        String target = n.type() == NodeType.SYMLINK ? " -> " + new String(n.linkTarget(), StandardCharsets.UTF_8) : "";
        return String.format("%s%04o %8s %8s %12d %s /%s%s", type, n.mode(), n.user().isEmpty() ? n.uid() : n.user(),
                n.group().isEmpty() ? n.gid() : n.group(), n.size(),
                SnapshotsCommand.TIME.format(Instant.ofEpochSecond(n.mtimeSeconds())), path, target);
    }

    static Map<String, Object> entry(String path, Node n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", "/" + path);
        m.put("type", n.type().name().toLowerCase());
        m.put("mode", n.mode());
        m.put("uid", n.uid());
        m.put("gid", n.gid());
        m.put("user", n.user());
        m.put("group", n.group());
        m.put("size", n.size());
        m.put("mtime", Instant.ofEpochSecond(n.mtimeSeconds(), n.mtimeNanos()).toString());
        if (n.type() == NodeType.SYMLINK) {
            m.put("target", new String(n.linkTarget(), StandardCharsets.UTF_8));
        }
        return m;
    }
}
