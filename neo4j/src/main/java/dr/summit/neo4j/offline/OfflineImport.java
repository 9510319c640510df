package dr.summit.neo4j.offline;

import dr.summit.neo4j.Neo4jFailure;
import dr.summit.neo4j.backup.BackupFiles;
import dr.summit.neo4j.restore.GraphWriter;
import dr.summit.neo4j.restore.RestorePlan;
import dr.summit.neo4j.stream.ChangeStreamCodec;
import dr.summit.neo4j.stream.GraphChange;
import dr.summit.repository.Repository;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The offline half of a restore: the plan's full export decoded into import CSV files (in a
 * temporary directory, always removed) and {@code neo4j-admin database import full} run on them.
 * The imported entities carry the restore's temporary label and source ids under a tag that names
 * the full it came from; {@link dr.summit.neo4j.restore.Neo4jRestore#resumeImported} then replays
 * the changes over Bolt once Neo4j runs on the imported database.
 */
public final class OfflineImport {
    /** {@code tag}: what the resume needs; {@code log}: neo4j-admin's output. */
    public record Result(String tag, ImportCsv.Written written, Path log, long csvMillis, long importMillis) {
    }

    private final Repository repo;

    public OfflineImport(Repository repo) {
        this.repo = repo;
    }

    /**
     * A tag that names the full (its first 8 hex digits) and is random otherwise: the resume checks
     * the first part against its plan, and the rest keeps it unique per restore as an online
     * restore's tag is.
     */
    public static String tagFor(RestorePlan plan) {
        String full = plan.chain().full().id().toLowerCase().replaceAll("[^0-9a-f]", "");
        return full.substring(0, Math.min(8, full.length())) + GraphWriter.newTag();
    }

    /** Whether {@code tag} was made for {@code plan}'s full. */
    public static boolean tagMatches(String tag, RestorePlan plan) {
        String full = plan.chain().full().id().toLowerCase().replaceAll("[^0-9a-f]", "");
        return tag.startsWith(full.substring(0, Math.min(8, full.length())));
    }

    /** {@code workParent}: where the temporary CSV directory goes (null: inside the Neo4j home). */
    public Result run(RestorePlan plan, AdminImport admin, Path workParent, boolean force) throws IOException, InterruptedException {
        admin.check(force);
        String tag = tagFor(plan);
        Path parent = workParent != null ? workParent : admin.home();
        Files.createDirectories(parent);
        Path work = Files.createTempDirectory(parent, "summit-dr-import-");
        try {
            long started = System.nanoTime();
            ImportCsv.Written written;
            try (ImportCsv csv = new ImportCsv(work, tag);
                 ChangeStreamCodec.Reader r = export(plan)) {
                for (GraphChange c = r.next(); c != null; c = r.next()) {
                    csv.add(c);
                }
                written = csv.finish();
            }
            long csvDone = System.nanoTime();
            Path log = admin.home().resolve("logs").resolve("summit-dr-import-" + admin.storeDirectory().getFileName() + ".log");
            admin.run(written, force, log);
            return new Result(tag, written, log, (csvDone - started) / 1_000_000, (System.nanoTime() - csvDone) / 1_000_000);
        } finally {
            AdminImport.deleteTree(work);
        }
    }

    private ChangeStreamCodec.Reader export(RestorePlan plan) throws IOException {
        var full = plan.chain().full();
        InputStream in = BackupFiles.open(repo, full.snapshot(), BackupFiles.EXPORT);
        if (in == null) {
            throw new Neo4jFailure("backup " + full.snapshot().shortId() + " has no " + BackupFiles.EXPORT + " (damaged or not a Neo4j backup)");
        }
        return new ChangeStreamCodec.Reader(in, "backup " + full.snapshot().shortId() + " " + BackupFiles.EXPORT);
    }
}
