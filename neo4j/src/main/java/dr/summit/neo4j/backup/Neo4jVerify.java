package dr.summit.neo4j.backup;

import dr.summit.neo4j.source.CaptureClient;
import dr.summit.neo4j.source.Neo4jConnection;
import dr.summit.neo4j.stream.ChangeStreamCodec;
import dr.summit.neo4j.stream.GraphChange;
import dr.summit.repository.Repository;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code summit-dr neo4j verify}: every chain links without a transaction gap, every stored stream
 * reads to its end and, given a server, every data transaction Neo4j's own log holds in a backup's
 * range was captured by that backup.
 */
public final class Neo4jVerify {
    /** {@code problems} make verify fail; {@code notes} say what was (not) checked. */
    public record Report(int backups, int chains, List<String> problems, List<String> notes) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private Neo4jVerify() {
    }

    /** {@code server} null: the repository alone (the log check is skipped, and the report says so). */
    public static Report run(Repository repo, String database, Neo4jConnection server) {
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        int backups = 0;
        Neo4jCatalogue catalogue = new Neo4jCatalogue(repo, database);
        List<Neo4jCatalogue.Chain> chains = catalogue.chains();
        Map<Neo4jCatalogue.Entry, TxLogCheck.Captured> captured = new IdentityHashMap<>();
        for (Neo4jCatalogue.Chain c : chains) {
            if (c.brokenAt() != null) {
                problems.add("chain " + c.full().snapshot().shortId() + ": backup " + c.brokenAt().snapshot().shortId() + " starts at tx "
                        + c.brokenAt().fromTx() + " but the chain ends at tx " + c.toTx() + " (gap)");
            }
            for (Neo4jCatalogue.Entry e : c.all()) {
                backups++;
                TxLogCheck.Captured ids = new TxLogCheck.Captured(e.fromTx(), e.toTx());
                captured.put(e, ids);
                for (String name : e.full() ? List.of(BackupFiles.EXPORT, BackupFiles.CHANGES) : List.of(BackupFiles.CHANGES)) {
                    String problem = readAll(repo, e, name, name.equals(BackupFiles.CHANGES) ? ids : null);
                    if (problem != null) {
                        problems.add(problem);
                    }
                }
            }
        }
        for (Neo4jCatalogue.Entry e : catalogue.orphans()) {
            problems.add("incremental " + e.snapshot().shortId() + " belongs to full " + e.chain() + ", which is not in the repository");
        }
        if (server != null && !chains.isEmpty()) {
            checkTxLog(new CaptureClient(server), server.uri(), chains, captured, problems, notes);
        } else if (!chains.isEmpty()) {
            notes.add("transaction log check skipped: give --uri (or set NEO4J_URI) to compare the backups with Neo4j's own transaction log");
        }
        return new Report(backups, chains.size(), problems, notes);
    }

    /**
     * Each backup's range against the server's transaction log; only for chains captured from the
     * log the server runs now (same log id): another server's tx ids are other transactions.
     */
    private static void checkTxLog(CaptureClient capture, String uri, List<Neo4jCatalogue.Chain> chains,
                                   Map<Neo4jCatalogue.Entry, TxLogCheck.Captured> captured, List<String> problems, List<String> notes) {
        CaptureClient.Status status = capture.status();
        for (Neo4jCatalogue.Chain c : chains) {
            String chain = "chain " + c.full().snapshot().shortId();
            if (!status.logId().equals(c.full().logId())) {
                notes.add(chain + ": captured from change log " + c.full().logId() + ", the server at " + uri + " runs " + status.logId()
                        + ": transaction log check skipped");
                continue;
            }
            long checkedAfter = Long.MAX_VALUE;
            long gaps = 0;
            for (Neo4jCatalogue.Entry e : c.all()) {
                TxLogCheck.Result r = TxLogCheck.check(capture, e.fromTx(), e.toTx(), captured.get(e));
                if (r.gap()) {
                    gaps++;
                    problems.add(chain + ": Neo4j's transaction log holds " + r.describeMissing() + " in tx " + (e.fromTx() + 1) + ".." + e.toTx()
                            + " that backup " + e.snapshot().shortId() + " did not capture (gap)");
                }
                if (r.checkedAfter() < r.upTo()) {
                    checkedAfter = Math.min(checkedAfter, r.checkedAfter());
                }
            }
            if (checkedAfter == Long.MAX_VALUE) {
                notes.add(chain + ": Neo4j's transaction log no longer holds tx " + (c.full().fromTx() + 1) + ".." + c.toTx() + " (pruned): not checked");
            } else {
                notes.add(chain + ": checked against Neo4j's transaction log for tx " + (checkedAfter + 1) + ".." + c.toTx()
                        + (checkedAfter > c.full().fromTx() ? " (older transactions are pruned from the log)" : " (the whole chain)")
                        + (gaps == 0 ? ": every data transaction was captured" : ": " + gaps + " backup(s) with a gap"));
            }
        }
    }

    private static String readAll(Repository repo, Neo4jCatalogue.Entry e, String name, TxLogCheck.Captured ids) {
        try (InputStream in = BackupFiles.open(repo, e.snapshot(), name)) {
            if (in == null) {
                return "backup " + e.snapshot().shortId() + " has no " + name;
            }
            try (ChangeStreamCodec.Reader r = new ChangeStreamCodec.Reader(in, "backup " + e.snapshot().shortId() + " " + name)) {
                // reading decodes and authenticates every chunk
                for (GraphChange c = r.next(); c != null; c = r.next()) {
                    if (ids != null) {
                        ids.add(c.txId());
                    }
                }
            }
            return null;
        } catch (IOException | RuntimeException x) {
            return x.getMessage();
        }
    }
}
