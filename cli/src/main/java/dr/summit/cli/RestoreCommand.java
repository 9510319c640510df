package dr.summit.cli;

import dr.summit.files.browse.TreeWalker;
import dr.summit.files.restore.RestoreResult;
import dr.summit.files.restore.Restorer;
import dr.summit.files.select.PathPatterns;
import dr.summit.files.select.RestoreSelection;
import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.tree.NodeType;
import dr.summit.repository.snapshot.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "restore", description = "Restore a snapshot into an empty directory.")
final class RestoreCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin OutputOptions output;
    @Mixin SnapshotFilter filter;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SNAPSHOT", description = "Snapshot id, prefix or 'latest'.")
    String snapshotRef;
    @Option(names = {"-t", "--target"}, required = true, paramLabel = "DIR",
            description = "Empty or new directory to restore into; for a bucket snapshot also s3://BUCKET[/PREFIX] or s3:https://HOST/BUCKET[/PREFIX].")
    String targetName;
    Path target;
    @Option(names = "--include", paramLabel = "PATTERN", description = "Restore only what matches PATTERN (repeatable), as backup's --exclude patterns; "
            + "written as the original path (/srv/data/reports) or as the path in the snapshot (/data/reports, data/reports). A pattern that matches nothing fails the restore.")
    List<String> includes = new ArrayList<>();
    @Option(names = "--iinclude", paramLabel = "PATTERN", description = "As --include, ignoring case.")
    List<String> iincludes = new ArrayList<>();
    @Option(names = "--exclude", paramLabel = "PATTERN", description = "Do not restore what matches PATTERN (repeatable).")
    List<String> excludes = new ArrayList<>();
    @Option(names = "--iexclude", paramLabel = "PATTERN", description = "As --exclude, ignoring case.")
    List<String> iexcludes = new ArrayList<>();
    @Option(names = "--verify", description = "Re-read every restored file and check it against the snapshot.")
    boolean verify;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (dr.summit.repository.store.s3.S3Location.isS3(targetName)) {
            return restoreToBucket(out);
        }
        target = Path.of(targetName);
        try (Repository repo = repository.open()) {
            Snapshot s = filter.find(repo, snapshotRef);
            List<String> unmatched = List.of();
            List<String> restorerIncludes = List.of();
            if (filtered()) {
                RestoreSelection selection = select(repo, s);
                unmatched = selection.unmatchedIncludes();
                restorerIncludes = RestoreIncludes.of(selection.finish());
                if (restorerIncludes.isEmpty()) {
                    throw new CommandFailure("nothing in snapshot " + s.shortId() + " matches the --include/--exclude patterns"
                            + (unmatched.isEmpty() ? "" : " (no match for " + String.join(", ", unmatched) + ")")
                            + "; the snapshot's paths are " + String.join(" ", s.paths()));
                }
            }
            Restorer restorer = new Restorer(repo, Restorer.Options.defaults().withIncludes(restorerIncludes).withVerify(verify));
            long started = System.nanoTime();
            RestoreResult r;
            long total = s.summary() == null ? 0 : s.summary().totalBytes();
            try (Progress progress = Progress.start(() -> Progress.line(restorer.filesDone().get(), restorer.bytesWritten().get(), started, total));
                 StatusLines status = StatusLines.start(output.json, out, () -> {
                     java.util.Map<String, Object> line = new java.util.LinkedHashMap<>();
                     StatusLines.putFraction(line, restorer.bytesWritten().get(), total);
                     line.put("files_done", restorer.filesDone().get());
                     line.put("bytes_done", restorer.bytesWritten().get());
                     line.put("total_bytes", total);
                     return line;
                 })) {
                r = restorer.restore(s, target);
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            if (output.json) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("snapshot", s.id());
                json.put("target", target.toAbsolutePath().toString());
                json.put("files", r.files());
                json.put("directories", r.directories());
                json.put("otherEntries", r.others());
                json.put("bytes", r.bytes());
                json.put("verifiedFiles", r.verifiedFiles());
                json.put("durationMillis", millis);
                json.put("failures", r.failures());
                json.put("failureCount", r.failureCount());
                json.put("warnings", r.warnings());
                json.put("unmatchedIncludes", unmatched);
                json.put("requests", repo.store().stats().snapshot());
                OutputOptions.printSummary(out, json);
            } else {
                r.warnings().forEach(w -> spec.commandLine().getErr().println("warning: " + w));
                unmatched.forEach(u -> spec.commandLine().getErr().println("warning: include pattern '" + u + "' matched nothing in snapshot " + s.shortId()));
                r.failures().forEach(f -> spec.commandLine().getErr().println("error: " + f));
                out.printf("restored snapshot %s to %s: %d files, %d directories, %s in %s (%s)%s%n", s.shortId(), target,
                        r.files(), r.directories(), Sizes.bytes(r.bytes()), Sizes.duration(millis), Sizes.rate(r.bytes(), millis),
                        verify ? ", " + r.verifiedFiles() + " files verified" : "");
            }
            if (!unmatched.isEmpty()) {
                return ExitCodes.ERROR; // an include that matched nothing is almost always a mistyped path
            }
            if (!r.complete()) {
                if (!output.json) {
                    spec.commandLine().getErr().println("summit-dr: " + r.failureCount() + " entries could not be restored");
                }
                return ExitCodes.ERROR;
            }
            return ExitCodes.OK;
        }
    }

    private int restoreToBucket(PrintWriter out) throws InterruptedException {
        if (filtered() || verify) {
            throw new CommandFailure("--include, --exclude and --verify apply to directory targets only", ExitCodes.USAGE);
        }
        dr.summit.repository.store.s3.S3Location location = RepositoryOptions.parseS3(targetName);
        try (Repository repo = repository.open();
             dr.summit.repository.store.s3.S3Bucket bucket = dr.summit.repository.store.s3.S3Bucket.open(location)) {
            Snapshot s = filter.find(repo, snapshotRef);
            long started = System.nanoTime();
            dr.summit.files.bucket.BucketRestorer.Result r = new dr.summit.files.bucket.BucketRestorer(repo, 4).restore(s, bucket);
            long millis = (System.nanoTime() - started) / 1_000_000;
            if (output.json) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("snapshot", s.id());
                json.put("target", location.toString());
                json.put("files", r.objects());
                json.put("bytes", r.bytes());
                json.put("durationMillis", millis);
                json.put("requests", repo.store().stats().snapshot());
                json.put("targetRequests", bucket.stats().snapshot());
                OutputOptions.printSummary(out, json);
            } else {
                out.printf("restored snapshot %s to %s: %d objects, %s in %s (%s)%n", s.shortId(), location, r.objects(),
                        Sizes.bytes(r.bytes()), Sizes.duration(millis), Sizes.rate(r.bytes(), millis));
            }
            return ExitCodes.OK;
        }
    }

    private boolean filtered() {
        return !(includes.isEmpty() && iincludes.isEmpty() && excludes.isEmpty() && iexcludes.isEmpty());
    }

    /** Walks the snapshot's trees once with the shared patterns (files.select), before anything is written. */
    private RestoreSelection select(Repository repo, Snapshot s) {
        RestoreSelection selection;
        try {
            selection = new RestoreSelection(PathPatterns.parse(includes, false).then(PathPatterns.parse(iincludes, true)),
                    PathPatterns.parse(excludes, false).then(PathPatterns.parse(iexcludes, true)), s.paths());
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage(), ExitCodes.USAGE);
        }
        new TreeWalker(repo).walk(BlobId.parse(s.tree()), (raw, node) ->
                selection.visit(new String(raw, StandardCharsets.UTF_8), node.type() == NodeType.DIRECTORY));
        return selection;
    }
}
