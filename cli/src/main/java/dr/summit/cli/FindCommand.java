package dr.summit.cli;

import dr.summit.files.browse.TreeWalker;
import dr.summit.files.select.PathPatterns;
import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.snapshot.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "find", description = {"Which snapshots hold entries matching PATTERN, newest snapshot first.",
        "Patterns as for --exclude: '*.conf' at any depth, '/etc/**/hosts' anchored; a directory that matches is",
        "reported, not everything below it."})
final class FindCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin OutputOptions output;
    @Mixin SnapshotFilter filter;
    @Spec CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "PATTERN", description = "What to look for (any of them).")
    List<String> patterns;
    @Option(names = {"-i", "--ignore-case"}, description = "Match case-insensitively.")
    boolean ignoreCase;
    @Option(names = {"-s", "--snapshot"}, paramLabel = "ID", description = "Only this snapshot (repeatable).")
    List<String> snapshots = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PathPatterns matcher;
        try {
            matcher = PathPatterns.parse(patterns, ignoreCase);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage(), ExitCodes.USAGE);
        }
        List<Map<String, Object>> json = new ArrayList<>();
        long hits = 0;
        try (Repository repo = repository.open()) {
            for (Snapshot s : chosen(repo)) {
                List<Map<String, Object>> found = new ArrayList<>();
                long[] count = {0};
                new TreeWalker(repo).walk(BlobId.parse(s.tree()), (raw, node) -> {
                    String path = "/" + new String(raw, StandardCharsets.UTF_8);
                    // The walk never enters a matching directory (below, nothing is reported), so a match here is
                    // never under another match: no need to test the parent.
                    boolean match = matcher.matches(path);
                    if (match) {
                        if (output.json) {
                            found.add(LsCommand.entry(path.substring(1), node));
                        } else {
                            if (count[0] == 0) {
                                out.println("snapshot " + s.shortId() + " of " + SnapshotsCommand.TIME.format(s.time()) + " (" + s.host() + "):");
                            }
                            out.println("  " + LsCommand.line(path.substring(1), node));
                        }
                        count[0]++;
                    }
                    return !match && matcher.couldMatchBelow(path);
                });
                hits += count[0];
                if (output.json && !found.isEmpty()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("snapshot", s.id());
                    m.put("time", s.time().toString());
                    m.put("host", s.host());
                    m.put("matches", found);
                    json.add(m);
                }
            }
        }
        if (output.json) {
            OutputOptions.printJson(out, json);
        } else if (hits == 0) {
            spec.commandLine().getErr().println("summit-dr: nothing matches " + String.join(" ", patterns));
        }
        return hits == 0 ? ExitCodes.NOT_FOUND : ExitCodes.OK;
    }

    private List<Snapshot> chosen(Repository repo) {
        List<Snapshot> list;
        if (snapshots.isEmpty()) {
            list = filter.apply(repo.selectableSnapshots("search snapshots"));
        } else {
            list = snapshots.stream().map(ref -> filter.find(repo, ref)).distinct().toList();
        }
        return list.stream().sorted(Comparator.comparing(Snapshot::time).reversed()).toList();
    }
}
