package dr.summit.cli;

import dr.summit.files.backup.Archiver;
import dr.summit.files.fs.TreeFingerprint;
import dr.summit.files.restore.RestoreResult;
import dr.summit.files.restore.Restorer;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryStats;
import dr.summit.repository.maintenance.Verifier;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.store.LocalDirectoryStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * The README's first command: an end-to-end run on embedded defaults — a local repository, no
 * external service. Backs up a sample tree, changes it, backs up again, restores both snapshots,
 * compares them with what was backed up (content and metadata), verifies the repository, reports.
 */
@Command(name = "demo", description = "Run an end-to-end demo in ./demo: back up, change, back up, restore both, compare, verify.")
final class DemoCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--dir", defaultValue = "demo", description = "Working directory of the demo (recreated; default ./${DEFAULT-VALUE}).")
    Path dir;
    @Option(names = "--no-postgres", description = "Skip the PostgreSQL point-in-time recovery part.")
    boolean skipPostgres;
    @Option(names = "--neo4j-uri", paramLabel = "URI", description = "Also run the Neo4j round trip against this scratch server "
            + "(plugin installed; its database is REPLACED by the demo's restore). Password: $NEO4J_PASSWORD.")
    String neo4jUri;
    @Option(names = "--size-mib", defaultValue = "200", description = "Approximate size of the sample tree (default ${DEFAULT-VALUE} MiB).")
    int sizeMiB;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path work = dir.toAbsolutePath();
        deleteRecursively(work);
        Path source = work.resolve("source");
        Path repoDir = work.resolve("repository");
        out.println("Summit DR demo in " + work);
        long t0 = System.nanoTime();
        SampleTree.create(source, sizeMiB, new Random(42));
        Map<String, String> first = TreeFingerprint.of(source);
        out.printf("1. sample tree: %d entries, %s (text, binaries, a sparse file, links, odd names)%n", first.size(),
                Sizes.bytes(sizeOf(source)));

        char[] password = "demo-password".toCharArray();
        Path passwordFile = work.resolve("password");
        Files.writeString(passwordFile, "demo-password\n");
        Files.setPosixFilePermissions(passwordFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        try (Repository repo = Repository.init(new LocalDirectoryStore(repoDir), password, Repository.InitOptions.DEFAULT)) {
            out.printf("2. repository created at %s (AES-256-GCM, zstd, password in %s)%n", repoDir, passwordFile);
        }
        Archiver.Options options = Archiver.Options.defaults("demo-host", System.getProperty("user.name"), "summit-dr " + Main.VERSION);
        Snapshot s1 = backup(repoDir, password, source, options, null, out, "3. first backup ");
        SampleTree.change(source, new Random(7));
        Map<String, String> second = TreeFingerprint.of(source);
        out.println("4. changed the tree: edited, added, renamed and deleted files");
        Snapshot s2 = backup(repoDir, password, source, options, s1, out, "5. second backup");

        boolean ok = restoreAndCompare(repoDir, password, s1, first, work.resolve("restore-1"), out, "6. restore first ")
                & restoreAndCompare(repoDir, password, s2, second, work.resolve("restore-2"), out, "7. restore second");
        String filesReport;
        Path metricsFile;
        try (Repository repo = Repository.open(new LocalDirectoryStore(repoDir), password)) {
            Verifier.Report report = new Verifier(repo, Runtime.getRuntime().availableProcessors()).verify(1.0);
            RepositoryStats stats = RepositoryStats.of(repo);
            ok &= report.ok();
            out.printf("8. verify --read-data: %d packs, %s read, %s%n", report.packsRead(), Sizes.bytes(report.bytesRead()),
                    report.ok() ? "no errors" : String.join("; ", report.errors()));
            filesReport = String.format("Files: 2 snapshots, %s backed up in total, %s stored (dedup+compression ratio %.2f)",
                    Sizes.bytes(stats.logicalBytes()), Sizes.bytes(stats.storedBytes()), stats.dedupRatio());
            metricsFile = writeMetrics(repo, work.resolve("metrics"));
        }
        String pgResult = "";
        boolean pgRan = !skipPostgres && DemoPostgres.available();
        if (pgRan) {
            boolean pgOk = new DemoPostgres(out).run();
            ok &= pgOk;
            pgResult = pgOk ? " PostgreSQL point-in-time recovery returned exactly the rows committed before the target." : "";
        } else {
            out.println("9. PostgreSQL point-in-time recovery: skipped (" + (skipPostgres ? "--no-postgres" : "no PostgreSQL 15 server in " + DemoPostgres.BIN) + ")");
        }
        ok &= DemoDrill.run(pgRan ? 13 : 10, repoDir, password, work, out); // after the PostgreSQL steps 9-12
        String neo4jResult = "";
        if (neo4jUri != null) {
            try (Repository repo = Repository.open(new LocalDirectoryStore(repoDir), password)) {
                boolean neo4jOk = new DemoNeo4j(out, new dr.summit.neo4j.source.Neo4jConnection.Settings(neo4jUri, "neo4j",
                        RepositoryOptions.env.apply("NEO4J_PASSWORD"), "neo4j")).run(repo, pgRan ? 14 : 11);
                ok &= neo4jOk;
                neo4jResult = neo4jOk ? " Neo4j came back to the transaction before the mistake, digest equal." : "";
            }
        } else {
            out.println("Neo4j round trip: skipped (give --neo4j-uri of a scratch Neo4j 5.26 with 'summit-dr neo4j plugin' installed;"
                    + " the Neo4j server is not part of the distribution; ./summit-dr demo in a source checkout starts the test harness)");
        }
        out.printf("%nReport: %s; %s in all%n", filesReport, Sizes.duration((System.nanoTime() - t0) / 1_000_000));
        out.println(ok ? "Demo OK: both snapshots restored identical to what was backed up." + pgResult + neo4jResult
                : "Demo FAILED: see the differences above.");
        out.printf("Try: SUMMIT_REPOSITORY=%s SUMMIT_PASSWORD_FILE=%s ./summit-dr snapshots%n", repoDir, passwordFile);
        out.printf("Metrics: %s (Prometheus text format; node_exporter --collector.textfile.directory=%s reads it; "
                + "'summit-dr metrics' prints them, 'summit-dr report' is the monthly review)%n", metricsFile, metricsFile.getParent());
        return ok ? ExitCodes.OK : ExitCodes.ERROR;
    }

    /** The repository's metrics as node_exporter's textfile collector reads them (what --metrics-textfile writes). */
    private static Path writeMetrics(Repository repo, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("summit_dr.prom").normalize();
        dr.summit.monitoring.DrMetrics metrics = new dr.summit.monitoring.DrMetrics();
        metrics.refresh(dr.summit.monitoring.RepositoryStateReader.read(repo, java.time.Instant.now()));
        dr.summit.monitoring.MetricsTextfile.write(metrics, file);
        return file;
    }

    private static Snapshot backup(Path repoDir, char[] password, Path source, Archiver.Options options, Snapshot parent,
                                   PrintWriter out, String label) throws InterruptedException {
        try (Repository repo = Repository.open(new LocalDirectoryStore(repoDir), password)) {
            Archiver.Result r = new Archiver(repo, options).backup(List.of(source), parent);
            Snapshot.Summary m = r.snapshot().summary();
            out.printf("%s: snapshot %s, %d files (%d new, %d changed, %d unchanged), read %s, stored %s new, %s (%s)%n", label,
                    r.snapshot().shortId(), m.files(), m.newFiles(), m.changedFiles(), m.unchangedFiles(),
                    Sizes.bytes(m.bytesRead()), Sizes.bytes(m.newPackedBytes()), Sizes.duration(m.durationMillis()),
                    Sizes.rate(m.bytesRead(), m.durationMillis()));
            return r.snapshot();
        }
    }

    private static boolean restoreAndCompare(Path repoDir, char[] password, Snapshot s, Map<String, String> expected,
                                             Path target, PrintWriter out, String label) throws Exception {
        try (Repository repo = Repository.open(new LocalDirectoryStore(repoDir), password)) {
            long t = System.nanoTime();
            RestoreResult r = new Restorer(repo, Restorer.Options.defaults().withVerify(true)).restore(s, target);
            long millis = (System.nanoTime() - t) / 1_000_000;
            List<String> diffs = TreeFingerprint.differences(expected, TreeFingerprint.of(target.resolve("source")));
            out.printf("%s: %d files, %s in %s (%s), compared with the source: %s%n", label, r.files(), Sizes.bytes(r.bytes()),
                    Sizes.duration(millis), Sizes.rate(r.bytes(), millis), diffs.isEmpty() && r.complete() ? "identical" : "DIFFERENT");
            diffs.stream().limit(20).forEach(d -> out.println("   " + d));
            r.failures().forEach(f -> out.println("   error: " + f));
            return diffs.isEmpty() && r.complete();
        }
    }

    private static long sizeOf(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        }
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
