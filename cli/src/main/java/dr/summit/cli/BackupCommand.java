package dr.summit.cli;

import dr.summit.files.backup.Archiver;
import dr.summit.files.backup.BackupCounters;
import dr.summit.files.backup.BackupPreview;
import dr.summit.files.backup.BackupWarning;
import dr.summit.files.backup.StdinArchiver;
import dr.summit.files.backup.TotalsScanner;
import dr.summit.files.select.BackupSelection;
import dr.summit.files.select.PathPatterns;
import dr.summit.monitoring.Source;
import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.store.LocalDirectoryStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "backup", description = "Back up files and directories as a new snapshot.")
final class BackupCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin OutputOptions output;
    @Mixin MetricsOptions metrics;
    @Spec CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "PATH", description = "Files or directories to back up, or one bucket: "
            + "s3://BUCKET[/PREFIX] (AWS) or s3:https://HOST[:PORT]/BUCKET[/PREFIX].")
    List<String> sources = new ArrayList<>();
    List<Path> paths;
    @Option(names = "--tag", description = "Tag the snapshot (repeatable).")
    List<String> tags = new ArrayList<>();
    @Option(names = "--host", description = "Host name to record (default: this machine's).")
    String host;
    @Option(names = "--parent", description = "Snapshot to compare with for change detection (default: latest with the same host and paths).")
    String parent;
    @Option(names = "--force", description = "Read every file, even those unchanged since the parent snapshot.")
    boolean force;
    @Option(names = "--workers", description = "Threads that hash, compress and encrypt (default: number of cores).")
    Integer workers;
    @Option(names = "--exclude", paramLabel = "PATTERN",
            description = "Leave out paths matching PATTERN (repeatable): restic's patterns, /anchored, *, ?, [..], ** for any depth, !negation; last match wins.")
    List<String> excludes = new ArrayList<>();
    @Option(names = "--iexclude", paramLabel = "PATTERN", description = "As --exclude, ignoring case.")
    List<String> iexcludes = new ArrayList<>();
    @Option(names = "--exclude-file", paramLabel = "FILE", description = "Read --exclude patterns from FILE, one a line; blank lines and # comments ignored (repeatable).")
    List<Path> excludeFiles = new ArrayList<>();
    @Option(names = "--iexclude-file", paramLabel = "FILE", description = "As --exclude-file, ignoring case.")
    List<Path> iexcludeFiles = new ArrayList<>();
    @Option(names = "--exclude-if-present", paramLabel = "NAME", description = "Leave out directories that contain an entry NAME (repeatable).")
    List<String> excludeIfPresent = new ArrayList<>();
    @Option(names = "--exclude-caches", description = "Leave out directories holding a CACHEDIR.TAG with the standard signature.")
    boolean excludeCaches;
    @Option(names = {"-x", "--one-file-system"}, description = "Do not cross into other file systems (mount points are left out).")
    boolean oneFileSystem;
    @Option(names = "--files-from", paramLabel = "FILE", description = "Back up the paths listed in FILE, one a line; blank lines and # comments ignored (repeatable).")
    List<Path> filesFrom = new ArrayList<>();
    @Option(names = "--stdin", description = "Back up standard input as one file (see --stdin-filename), e.g. pg_dump db | summit-dr backup --stdin.")
    boolean stdin;
    @Option(names = "--stdin-filename", paramLabel = "NAME", defaultValue = "stdin",
            description = "Name of the file --stdin or --stdin-from-command stores (default: ${DEFAULT-VALUE}).")
    String stdinFilename;
    @Option(names = "--stdin-from-command", description = "Run the command given after -- and back up its standard output; "
            + "a non-zero exit status of the command discards the snapshot (nothing is committed).")
    boolean stdinFromCommand;
    @Option(names = {"-n", "--dry-run"}, description = "Only report what would be stored (files, bytes, new bytes by chunk lookups); writes nothing.")
    boolean dryRun;

    /** Automatic key rotations this run made (the 90-day policy), for the report. */
    private List<String> keyNotices = List.of();

    /** Store requests of this run, for the JSON report (what the run costs on a metered store). */
    private dr.summit.repository.store.StoreStats.Snapshot requests;

    @Override
    public Integer call() throws Exception {
        return MetricsOptions.countingFailures(this::backup, this::publishFailure);
    }

    /** A failed run counts in backup_failure_total; the repository may be what failed, so it is not read. */
    private void publishFailure() {
        if (!dryRun) {
            metrics.publish(spec, "backup", null, m -> m.recordBackup(Source.FILES, kind(), 0, 0, 0, 0, false, Instant.now()));
        }
    }

    /** A saved snapshot: its numbers, then the repository's state, to the metrics outputs (while the repository is open). */
    private void publishSuccess(Repository repo, Snapshot s) {
        Snapshot.Summary m = s.summary();
        metrics.publish(spec, "backup", repo, x -> x.recordBackup(Source.FILES, kind(), m.durationMillis() / 1000.0, m.totalBytes(),
                m.newPackedBytes(), m.files(), true, Instant.now()));
    }

    /** The type label: what kind of files backup this is. */
    private String kind() {
        if (sources.stream().anyMatch(dr.summit.repository.store.s3.S3Location::isS3)) {
            return "bucket";
        }
        return stdin || stdinFromCommand ? "stdin" : "files";
    }

    private Integer backup() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (sources.stream().anyMatch(dr.summit.repository.store.s3.S3Location::isS3)) {
            if (dryRun || !filesFrom.isEmpty() || !selection().isEmpty()) {
                throw new CommandFailure("--dry-run, --files-from and the exclude options apply to file backups, not to a bucket", ExitCodes.USAGE);
            }
            if (sources.size() != 1) {
                throw new CommandFailure("a bucket is backed up on its own: give one s3: location and no other path", ExitCodes.USAGE);
            }
            return backupBucket(out, sources.get(0));
        }
        if (stdin || stdinFromCommand) {
            return backupStdin(out);
        }
        paths = sourcePaths();
        BackupSelection selection = selection();
        if (dryRun) {
            return dryRun(out, selection);
        }
        try (Repository repo = repository.open()) {
            int adopted = repo.indexUnindexedPacks();
            String hostName = host != null ? host : hostName();
            Archiver.Options options = archiverOptions(hostName);
            if (workers != null) {
                options = options.withThreads(workers, Math.max(2, Math.min(4, workers)));
            }
            if (repo.store() instanceof LocalDirectoryStore local) {
                options = options.withExcluded(Set.of(local.root()));
            }
            if (!selection.isEmpty()) {
                options = options.withLayout(new Archiver.Layout("files", selection, p -> false, 0, false, null));
            }
            List<String> absolute = paths.stream().map(p -> p.toAbsolutePath().normalize().toString()).toList();
            Snapshot parentSnapshot = force ? null : findParent(repo, hostName, absolute);
            Archiver archiver = new Archiver(repo, options);
            long started = System.nanoTime();
            BackupCounters c = archiver.counters();
            Archiver.Result result;
            try (Progress progress = Progress.start(() -> Progress.line(c.files.get(), c.bytesRead.get() + unchangedBytes(c),
                    started, c.scannedBytes.get()));
                 StatusLines status = StatusLines.start(output.json, out, () -> {
                     Map<String, Object> line = new LinkedHashMap<>();
                     long done = c.bytesRead.get() + unchangedBytes(c);
                     StatusLines.putFraction(line, done, c.scannedBytes.get());
                     line.put("files_done", c.files.get());
                     line.put("bytes_done", done);
                     line.put("total_bytes", c.scannedBytes.get());
                     return line;
                 })) {
                if (progress != null || status != null) {
                    Thread scanner = new Thread(new TotalsScanner(paths, c), "summit-scanner");
                    scanner.setDaemon(true);
                    scanner.start();
                }
                result = archiver.backup(paths, parentSnapshot);
            }
            requests = repo.store().stats().snapshot();
            keyNotices = repo.keyNotices();
            report(out, result, parentSnapshot, adopted);
            publishSuccess(repo, result.snapshot());
            return result.warningCount() > 0 ? ExitCodes.PARTIAL : ExitCodes.OK;
        }
    }

    /** --stdin and --stdin-from-command: one stream as one file; see {@link StdinArchiver}. */
    private int backupStdin(PrintWriter out) throws Exception {
        if (stdin && stdinFromCommand) {
            throw new CommandFailure("give --stdin or --stdin-from-command, not both", ExitCodes.USAGE);
        }
        if (stdinFromCommand ? sources.isEmpty() : !sources.isEmpty()) {
            throw new CommandFailure(stdinFromCommand ? "--stdin-from-command needs the command after --, e.g. -- pg_dump mydb"
                    : "--stdin backs up standard input only: give no PATH (or use --stdin-from-command -- CMD...)", ExitCodes.USAGE);
        }
        if (dryRun || !filesFrom.isEmpty() || !selection().isEmpty() || parent != null) {
            throw new CommandFailure("--dry-run, --parent, --files-from and the exclude options apply to file backups, not to --stdin", ExitCodes.USAGE);
        }
        try {
            StdinArchiver.checkName(stdinFilename);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage(), ExitCodes.USAGE);
        }
        try (Repository repo = repository.open()) {
            String hostName = host != null ? host : hostName();
            Archiver.Options options = archiverOptions(hostName);
            if (workers != null) {
                options = options.withThreads(workers, 1);
            }
            StdinArchiver archiver = new StdinArchiver(repo, options);
            Snapshot s;
            if (stdinFromCommand) {
                Process process;
                try {
                    process = new ProcessBuilder(sources).redirectInput(ProcessBuilder.Redirect.INHERIT)
                            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                } catch (java.io.IOException e) {
                    throw new CommandFailure("cannot run " + sources.get(0) + ": " + e.getMessage());
                }
                try {
                    s = archiver.backup(process.getInputStream(), stdinFilename, snapshot -> {
                        int status = waitFor(process);
                        if (status != 0) {
                            throw new CommandFailure("command " + String.join(" ", sources) + " exited with status " + status
                                    + "; no snapshot saved");
                        }
                        return snapshot;
                    });
                } finally {
                    process.destroy();
                }
            } else {
                s = archiver.backup(System.in, stdinFilename, java.util.function.UnaryOperator.identity());
            }
            requests = repo.store().stats().snapshot();
            Snapshot.Summary m = s.summary();
            if (output.json) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("snapshot", s.id());
                json.put("parent", null);
                json.put("summary", m);
                json.put("warnings", List.of());
                json.put("warningCount", 0);
                json.put("requests", requests);
                OutputOptions.printSummary(out, json);
            } else {
                out.printf("snapshot %s saved: %s as /%s, %s new stored%n", s.shortId(), Sizes.bytes(m.totalBytes()),
                        stdinFilename, Sizes.bytes(m.newPackedBytes()));
            }
            publishSuccess(repo, s);
            return ExitCodes.OK;
        }
    }

    private static int waitFor(Process process) {
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailure("interrupted while waiting for the command");
        }
    }

    /** The PATH arguments and the --files-from lists, in that order. */
    private List<Path> sourcePaths() {
        List<Path> all = new ArrayList<>();
        sources.forEach(p -> all.add(Path.of(p)));
        for (Path list : filesFrom) {
            all.addAll(linesOf(list, "--files-from").stream().map(Path::of).toList());
        }
        if (all.isEmpty()) {
            throw new CommandFailure("nothing to back up: give PATH arguments or --files-from FILE", ExitCodes.USAGE);
        }
        return all;
    }

    private BackupSelection selection() {
        List<String> patterns = new ArrayList<>(excludes);
        excludeFiles.forEach(f -> patterns.addAll(linesOf(f, "--exclude-file")));
        List<String> ipatterns = new ArrayList<>(iexcludes);
        iexcludeFiles.forEach(f -> ipatterns.addAll(linesOf(f, "--iexclude-file")));
        try {
            PathPatterns all = PathPatterns.parse(patterns, false).then(PathPatterns.parse(ipatterns, true));
            return new BackupSelection(all, excludeIfPresent, excludeCaches, oneFileSystem);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage(), ExitCodes.USAGE);
        }
    }

    private static List<String> linesOf(Path file, String option) {
        try {
            return PathPatterns.readFile(file);
        } catch (java.io.IOException e) {
            throw new CommandFailure(option + " " + file + ": cannot read: " + e.getMessage(), ExitCodes.USAGE);
        }
    }

    /** backup --dry-run: no lease, no pack, no index, no snapshot; see {@link BackupPreview}. */
    private int dryRun(PrintWriter out, BackupSelection selection) {
        try (Repository repo = repository.openWithoutIndex()) {
            repo.loadIndex();
            java.util.function.Predicate<Path> skip = selection;
            if (repo.store() instanceof LocalDirectoryStore local) {
                skip = skip.or(p -> p.equals(local.root()));
            }
            BackupPreview.Result r = new BackupPreview(repo, skip).preview(paths);
            if (output.json) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("dryRun", true);
                json.put("files", r.files());
                json.put("directories", r.directories());
                json.put("otherEntries", r.others());
                json.put("bytes", r.bytes());
                json.put("newChunks", r.newChunks());
                json.put("newBytes", r.newBytes());
                json.put("unreadable", r.unreadable());
                json.put("requests", repo.store().stats().snapshot());
                OutputOptions.printSummary(out, json);
            } else {
                r.unreadable().forEach(u -> spec.commandLine().getErr().println("warning: " + u));
                out.printf("would back up %d files, %d directories, %d other entries, %s; new: %d chunks, %s before compression (nothing written)%n",
                        r.files(), r.directories(), r.others(), Sizes.bytes(r.bytes()), r.newChunks(), Sizes.bytes(r.newBytes()));
            }
            return r.unreadable().isEmpty() ? ExitCodes.OK : ExitCodes.PARTIAL;
        }
    }

    private Archiver.Options archiverOptions(String hostName) {
        return Archiver.Options.defaults(hostName, System.getProperty("user.name"), "summit-dr " + Main.VERSION).withTags(tags);
    }

    /** {@code backup s3://bucket/prefix}: the objects of a bucket as a snapshot of kind "s3". */
    private int backupBucket(PrintWriter out, String location) throws InterruptedException {
        dr.summit.repository.store.s3.S3Location source = RepositoryOptions.parseS3(location);
        try (Repository repo = repository.open();
             dr.summit.repository.store.s3.S3Bucket bucket = dr.summit.repository.store.s3.S3Bucket.open(source)) {
            repo.indexUnindexedPacks();
            String hostName = host != null ? host : hostName();
            Archiver.Options options = archiverOptions(hostName);
            Snapshot parentSnapshot = null;
            if (parent != null) {
                parentSnapshot = repo.findSnapshot(parent);
            } else if (!force) {
                List<Snapshot> all = repo.listSnapshots();
                for (int i = all.size() - 1; i >= 0 && parentSnapshot == null; i--) {
                    if (dr.summit.files.bucket.BucketArchiver.KIND.equals(all.get(i).kind())
                            && all.get(i).paths().equals(List.of(source.toString()))) {
                        parentSnapshot = all.get(i);
                    }
                }
            }
            dr.summit.files.bucket.BucketArchiver archiver = new dr.summit.files.bucket.BucketArchiver(repo, options);
            Snapshot s = archiver.backup(dr.summit.files.bucket.BucketSource.of(bucket), parentSnapshot);
            requests = repo.store().stats().snapshot();
            Snapshot.Summary m = s.summary();
            if (output.json) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("snapshot", s.id());
                json.put("parent", parentSnapshot == null ? null : parentSnapshot.id());
                json.put("summary", m);
                json.put("warnings", List.of());
                json.put("warningCount", 0);
                json.put("requests", requests);
                json.put("sourceRequests", bucket.stats().snapshot());
                OutputOptions.printSummary(out, json);
            } else {
                out.printf("snapshot %s of %s saved: %d objects (%d new, %d changed, %d unchanged), %s, %s new stored%n", s.shortId(),
                        source, m.files(), m.newFiles(), m.changedFiles(), m.unchangedFiles(), Sizes.bytes(m.totalBytes()),
                        Sizes.bytes(m.newPackedBytes()));
            }
            publishSuccess(repo, s);
            return ExitCodes.OK;
        }
    }

    /** Bytes of files skipped as unchanged count as done for the ETA. */
    private static long unchangedBytes(BackupCounters c) {
        return c.unchangedBytes.get();
    }

    private Snapshot findParent(Repository repo, String hostName, List<String> absolute) {
        if (parent != null) {
            return repo.findSnapshot(parent);
        }
        List<Snapshot> all = repo.listSnapshots();
        for (int i = all.size() - 1; i >= 0; i--) {
            Snapshot s = all.get(i);
            if ("files".equals(s.kind()) && hostName.equals(s.host()) && s.paths().equals(absolute)) {
                return s;
            }
        }
        return null;
    }

    private void report(PrintWriter out, Archiver.Result result, Snapshot parentSnapshot, int adopted) {
        Snapshot s = result.snapshot();
        Snapshot.Summary m = s.summary();
        if (output.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("snapshot", s.id());
            json.put("parent", parentSnapshot == null ? null : parentSnapshot.id());
            json.put("summary", m);
            json.put("warnings", result.warnings().stream().map(BackupWarning::toString).toList());
            json.put("warningCount", result.warningCount());
            json.put("adoptedPacks", adopted);
            json.put("keyNotices", keyNotices);
            json.put("requests", requests);
            OutputOptions.printSummary(out, json);
            return;
        }
        keyNotices.forEach(n -> spec.commandLine().getErr().println("note: " + n));
        for (BackupWarning w : result.warnings()) {
            spec.commandLine().getErr().println("warning: " + w);
        }
        out.printf("snapshot %s saved%s%n", s.shortId(), parentSnapshot == null ? "" : " (parent " + parentSnapshot.shortId() + ")");
        out.printf("  files: %d new, %d changed, %d unchanged; %d directories%n", m.newFiles(), m.changedFiles(),
                m.unchangedFiles(), m.directories());
        out.printf("  read %s of %s, added %s (%s stored) in %s, %s%n", Sizes.bytes(m.bytesRead()), Sizes.bytes(m.totalBytes()),
                Sizes.bytes(m.newBytes()), Sizes.bytes(m.newPackedBytes()), Sizes.duration(m.durationMillis()),
                Sizes.rate(m.bytesRead(), m.durationMillis()));
        if (result.warningCount() > 0) {
            out.printf("  %d warnings: the snapshot is complete except for the entries named above%n", result.warningCount());
        }
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            String env = System.getenv("HOSTNAME");
            return env != null ? env : "localhost";
        }
    }
}
