package dr.summit.neo4j.restore;

import dr.summit.neo4j.Neo4jFailure;
import dr.summit.neo4j.backup.BackupFiles;
import dr.summit.neo4j.backup.Neo4jCatalogue;
import dr.summit.neo4j.source.GraphDigest;
import dr.summit.neo4j.source.Neo4jConnection;
import dr.summit.neo4j.stream.ChangeStreamCodec;
import dr.summit.neo4j.stream.GraphChange;
import dr.summit.repository.Repository;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Restores a plan into a database over Bolt: the full's export, then its changes (always all of
 * them: they make the export consistent), then the incrementals' changes up to the target; then
 * the schema of the last backup read, and the digest of the result.
 */
public final class Neo4jRestore {
    public record Result(RestorePlan plan, long lastTx, Instant lastCommit, long exportRecords, long changeRecords,
                         GraphDigest.Digest digest, String recordedDigest, long millis) {
        /** Null when no digest was recorded for the point restored to. */
        public Boolean digestMatches() {
            return recordedDigest == null ? null : recordedDigest.equals(digest.toString());
        }
    }

    private final Repository repo;

    public Neo4jRestore(Repository repo) {
        this.repo = repo;
    }

    public Result run(Neo4jConnection target, RestorePlan plan, boolean force) {
        long started = System.nanoTime();
        prepareTarget(target, force);
        GraphWriter writer = new GraphWriter(target);
        writer.prepare();
        try (ChangeStreamCodec.Reader r = reader(plan.chain().full(), BackupFiles.EXPORT)) {
            for (GraphChange c = r.next(); c != null; c = r.next()) {
                writer.exportRecord(c);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writer.flushExport();
        return replayAndFinish(target, plan, writer, writer.applied(), started);
    }

    /**
     * The rest of an offline restore, once Neo4j runs on the database neo4j-admin imported
     * ({@link dr.summit.neo4j.offline.OfflineImport}): the import's fix-ups, then the same replay,
     * clean-up, schema and digest as {@link #run}. {@code tag} is the one the import printed; the
     * database must hold nothing but what it imported.
     */
    public Result resumeImported(Neo4jConnection target, RestorePlan plan, String tag) {
        long started = System.nanoTime();
        if (!dr.summit.neo4j.offline.OfflineImport.tagMatches(tag, plan)) {
            throw new Neo4jFailure("import " + tag + " was not made from full backup " + plan.chain().full().snapshot().shortId()
                    + ": resume with the backup id and --until-… the import printed");
        }
        GraphWriter writer = new GraphWriter(target, tag);
        long[] counts = target.read(s -> {
            var r = s.run("MATCH (n) RETURN count(n) AS total, count(CASE WHEN n:" + writer.label() + " THEN 1 END) AS imported").single();
            // Its own lookup index may exist already: a resume that stopped half-way can run again.
            long indexes = s.run("SHOW INDEXES YIELD type, name WHERE type <> 'LOOKUP' AND name <> $own RETURN count(*) AS c",
                    java.util.Map.of("own", writer.index())).single().get("c").asLong();
            return new long[] {r.get("total").asLong(), r.get("imported").asLong(), indexes};
        });
        if (counts[0] != counts[1] || counts[2] > 0) {
            throw new Neo4jFailure("database '" + target.database() + "' at " + target.uri() + " is not the offline import " + tag + " ("
                    + (counts[0] - counts[1]) + " of " + counts[0] + " nodes without its label, " + counts[2] + " indexes): was it imported "
                    + "with --neo4j-home, and is it already resumed?");
        }
        writer.prepare();
        applyFixes(target, writer, GraphWriter.fixKeyOf(tag));
        return replayAndFinish(target, plan, writer, counts[1], started);
    }

    /** Values neo4j-admin could not carry, kept encoded in a temporary property: set over Bolt, property removed. */
    private static void applyFixes(Neo4jConnection target, GraphWriter writer, String fixKey) {
        String key = writer.key();
        List<String> fixes = target.read(s -> {
            List<String> all = new ArrayList<>(s.run("MATCH (n:" + writer.label() + ") WHERE n." + fixKey + " IS NOT NULL RETURN n." + fixKey + " AS f")
                    .list(r -> r.get("f").asString()));
            all.addAll(s.run("MATCH ()-[x]->() WHERE x." + fixKey + " IS NOT NULL AND x." + key + " IS NOT NULL RETURN x." + fixKey + " AS f")
                    .list(r -> r.get("f").asString()));
            return all;
        });
        try {
            for (String f : fixes) {
                GraphChange c = dr.summit.neo4j.offline.ImportCsv.decodeFix(f);
                writer.replay(new GraphChange(c.op(), 0, 0, c.id(), c.start(), c.end(), List.of(), c.props(), List.of(fixKey)));
            }
        } catch (IOException e) {
            throw new Neo4jFailure("damaged fix-up property " + fixKey + ": " + e.getMessage(), e);
        }
        writer.flushReplay();
    }

    /** The changes of every entry (the full's always: they make its export consistent) up to the target, then clean-up, schema, digest. */
    private Result replayAndFinish(Neo4jConnection target, RestorePlan plan, GraphWriter writer, long exportRecords, long started) {
        long changeRecords = 0;
        long lastTx = plan.chain().full().fromTx();
        Instant lastCommit = null;
        try {
            boolean stopped = false;
            for (Neo4jCatalogue.Entry e : plan.entries()) {
                try (ChangeStreamCodec.Reader r = reader(e, BackupFiles.CHANGES)) {
                    for (GraphChange c = r.next(); c != null && !stopped; c = r.next()) {
                        if (!e.full() && (plan.untilTx() != null && c.txId() > plan.untilTx()
                                || plan.untilTime() != null && Instant.ofEpochMilli(c.commitTime()).isAfter(plan.untilTime()))) {
                            stopped = true;
                            break;
                        }
                        writer.replay(c);
                        changeRecords++;
                        lastTx = Math.max(lastTx, c.txId());
                        lastCommit = Instant.ofEpochMilli(c.commitTime());
                    }
                }
                if (stopped) {
                    break;
                }
                lastTx = Math.max(lastTx, e.toTx());
            }
            writer.flushReplay();
            if (plan.untilTx() != null && !stopped) {
                lastTx = Math.min(lastTx, plan.untilTx());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writer.finish();
        applySchema(target, plan.last());
        GraphDigest.Digest digest = GraphDigest.of(target);
        String recorded = plan.endsAtLastEntry() ? plan.last().digest() : null;
        return new Result(plan, lastTx, lastCommit, exportRecords, changeRecords, digest, recorded, (System.nanoTime() - started) / 1_000_000);
    }

    private ChangeStreamCodec.Reader reader(Neo4jCatalogue.Entry e, String name) throws IOException {
        InputStream in = BackupFiles.open(repo, e.snapshot(), name);
        if (in == null) {
            throw new Neo4jFailure("backup " + e.snapshot().shortId() + " has no " + name + " (damaged or not a Neo4j backup)");
        }
        return new ChangeStreamCodec.Reader(in, "backup " + e.snapshot().shortId() + " " + name);
    }

    private static void prepareTarget(Neo4jConnection target, boolean force) {
        long nodes = target.read(s -> s.run("MATCH (n) RETURN count(n) AS c").single().get("c").asLong());
        long schema = target.read(s -> s.run("SHOW INDEXES YIELD type, name WHERE type <> 'LOOKUP' RETURN count(*) AS c").single().get("c").asLong());
        if ((nodes > 0 || schema > 0) && !force) {
            throw new Neo4jFailure("database '" + target.database() + "' at " + target.uri() + " is not empty (" + nodes + " nodes, "
                    + schema + " indexes): restore into an empty database, or give --force to delete its content first");
        }
        if (force) {
            target.read(s -> {
                s.run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume();
                for (String c : s.run("SHOW CONSTRAINTS YIELD name RETURN name").list(r -> r.get(0).asString())) {
                    s.run("DROP CONSTRAINT " + GraphWriter.quote(c) + " IF EXISTS").consume();
                }
                for (String i : s.run("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name").list(r -> r.get(0).asString())) {
                    s.run("DROP INDEX " + GraphWriter.quote(i) + " IF EXISTS").consume();
                }
                return null;
            });
        }
    }

    private void applySchema(Neo4jConnection target, Neo4jCatalogue.Entry e) {
        String text;
        try (InputStream in = BackupFiles.open(repo, e.snapshot(), BackupFiles.SCHEMA)) {
            text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        target.read(s -> {
            for (String statement : text.split("\n")) {
                if (!statement.isBlank()) {
                    s.run(statement).consume();
                }
            }
            s.run("CALL db.awaitIndexes(600)").consume();
            return null;
        });
    }
}
