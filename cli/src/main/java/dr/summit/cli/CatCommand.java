package dr.summit.cli;

import dr.summit.files.browse.SnapshotLookup;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryConfig;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.tree.ChunkRef;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "cat", description = {"Print a repository object decoded, as JSON (for debugging and scripts):",
        "  config | snapshot ID | tree TREE-ID | tree SNAPSHOT:PATH | index"})
final class CatCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TYPE", description = "config, snapshot, tree or index.")
    String type;
    @Parameters(index = "1", arity = "0..1", paramLabel = "ID", description = "Which object (snapshot id or 'latest'; tree id or SNAPSHOT:PATH).")
    String id;

    @Override
    public Integer call() {
        try (Repository repo = repository.open()) {
            Object value = switch (type) {
                case "config" -> noId(config(repo.config()));
                case "snapshot" -> snapshot(repo.findSnapshot(required()));
                case "tree" -> tree(repo, required());
                case "index" -> noId(index(repo));
                default -> throw new CommandFailure("cat knows config, snapshot, tree and index, not '" + type + "'", ExitCodes.USAGE);
            };
            OutputOptions.printJson(spec.commandLine().getOut(), value);
        }
        return ExitCodes.OK;
    }

    private Object noId(Object value) {
        if (id != null) {
            throw new CommandFailure("cat " + type + " takes no id", ExitCodes.USAGE);
        }
        return value;
    }

    private String required() {
        if (id == null) {
            throw new CommandFailure("cat " + type + " needs an id", ExitCodes.USAGE);
        }
        return id;
    }

    private static Map<String, Object> config(RepositoryConfig c) {
        // The record as Jackson sees it, which is exactly what the config object holds (no key material lives there).
        @SuppressWarnings("unchecked")
        Map<String, Object> m = dr.summit.repository.format.Json.MAPPER.convertValue(c, LinkedHashMap.class);
        return m;
    }

    private static Map<String, Object> snapshot(Snapshot s) {
        return SnapshotsCommand.json(s);
    }

    private static Object tree(Repository repo, String ref) {
        List<BlobId> parts;
        int colon = ref.indexOf(':');
        if (colon >= 0) {
            Snapshot s = repo.findSnapshot(ref.substring(0, colon));
            String path = ref.substring(colon + 1);
            SnapshotLookup.Found found = new SnapshotLookup(repo).find(BlobId.parse(s.tree()), path)
                    .orElseThrow(() -> new CommandFailure("no '" + path + "' in snapshot " + s.shortId(), ExitCodes.NOT_FOUND));
            if (!found.isDirectory()) {
                throw new CommandFailure("'" + path + "' in snapshot " + s.shortId() + " is not a directory", ExitCodes.USAGE);
            }
            parts = found.directoryParts();
        } else {
            try {
                parts = List.of(BlobId.parse(ref));
            } catch (IllegalArgumentException e) {
                throw new CommandFailure("'" + ref + "' is neither a tree id (64 hex digits) nor SNAPSHOT:PATH", ExitCodes.USAGE);
            }
        }
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (Node n : repo.loadDirectory(parts)) {
            Map<String, Object> m = LsCommand.entry(n.displayName(), n);
            m.put("path", n.displayName());
            if (n.type() == NodeType.FILE) {
                m.put("indirect", n.indirectContent());
                m.put("content", n.content().stream().map(CatCommand::chunk).toList());
            }
            if (n.type() == NodeType.DIRECTORY) {
                m.put("subtrees", n.subtrees().stream().map(BlobId::toString).toList());
            }
            nodes.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("trees", parts.stream().map(BlobId::toString).toList());
        out.put("nodes", nodes);
        return out;
    }

    private static Map<String, Object> chunk(ChunkRef c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id().toString());
        m.put("length", c.length());
        return m;
    }

    private static Map<String, Object> index(Repository repo) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("files", repo.loadedIndexFiles());
        m.put("damaged", repo.damagedIndexFiles());
        m.put("blobs", repo.index().size());
        return m;
    }
}
