package dr.summit.neo4j.plugin;

import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Mode;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.Procedure;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** What the backup agent calls over Bolt. */
public final class CaptureProcedures {
    /**
     * The version of the procedures the agent relies on; the agent refuses a plugin it does not
     * know. 2: summit.export (the in-process export with its digest) and the v2 digest. 3:
     * summit.txlog.dataTransactions (the agent checks its feed against Neo4j's own log at every
     * incremental: a version 2 plugin would fail that backup with "no such procedure").
     */
    public static final long FEED_VERSION = 3;

    @Context
    public GraphDatabaseService db;

    public static final class Status {
        public String logId;
        public long feedVersion;
        public long completeAfter;
        public long sessions;
        public String directory;
    }

    public static final class Horizon {
        public long horizon;
    }

    public static final class Row {
        public long txId;
        public long commitTime;
        public String op;
        public long id;
        public long start;
        public long end;
        public List<String> names;
        public Map<String, Object> props;
        public List<String> removed;
    }

    public static final class Count {
        public long deleted;
    }

    @Procedure(name = "summit.capture.status", mode = Mode.READ)
    @Description("summit-dr: the change log's id, the transaction after which it is complete, and where it lives.")
    public Stream<Status> status() throws IOException {
        CaptureRegistry.Capture c = CaptureRegistry.get(db.databaseName());
        Status s = new Status();
        s.logId = c.log().logId();
        s.feedVersion = FEED_VERSION;
        s.completeAfter = c.log().completeAfter();
        s.sessions = c.log().sessions().size();
        s.directory = c.log().directory().toString();
        return Stream.of(s);
    }

    @Procedure(name = "summit.capture.barrier", mode = Mode.READ)
    @Description("summit-dr: waits for in-flight commits; returns the horizon below which the change log misses nothing.")
    public Stream<Horizon> barrier(@Name(value = "timeoutMillis", defaultValue = "60000") long timeoutMillis) throws Exception {
        Horizon h = new Horizon();
        h.horizon = CaptureRegistry.get(db.databaseName()).listener().barrier(timeoutMillis);
        return Stream.of(h);
    }

    @Procedure(name = "summit.capture.changes", mode = Mode.READ)
    @Description("summit-dr: the captured changes of transactions after 'afterTx' up to 'upToTx', one row per change, in log order.")
    public Stream<Row> changes(@Name("afterTx") long afterTx, @Name("upToTx") long upToTx) throws IOException {
        // Lazy: Bolt pulls rows as the agent reads them, so a long feed is never held in the server.
        return CaptureRegistry.get(db.databaseName()).log().stream(afterTx, upToTx)
                .flatMap(tx -> tx.changes().stream().map(c -> row(tx, c)));
    }

    private static Row row(TxChanges tx, Change c) {
        Row r = new Row();
        r.txId = tx.txId();
        r.commitTime = tx.commitTime();
        r.op = c.op().name();
        r.id = c.id();
        r.start = c.start();
        r.end = c.end();
        r.names = Arrays.asList(c.names());
        r.props = new HashMap<>();
        r.removed = new ArrayList<>();
        for (int i = 0; i < c.keys().length; i++) {
            if (c.values()[i] == null) {
                r.removed.add(c.keys()[i]);
            } else {
                r.props.put(c.keys()[i], c.values()[i]);
            }
        }
        return r;
    }

    public static final class TxLogRow {
        public long oldestTx;
        public List<Long> txIds;
    }

    /** Rows of at most this many ids: Bolt carries a few lists, not a row per transaction. */
    static final int TX_IDS_PER_ROW = 8192;

    @Procedure(name = "summit.txlog.dataTransactions", mode = Mode.READ)
    @Description("summit-dr: from Neo4j's own transaction log, the ids of transactions after 'afterTx' up to 'upToTx' that changed data "
            + "(not token or schema only), in rows of up to 8192 ids; every row carries the oldest transaction the log still holds.")
    public Stream<TxLogRow> dataTransactions(@Name("afterTx") long afterTx, @Name("upToTx") long upToTx) throws IOException {
        List<List<Long>> rows = new ArrayList<>();
        rows.add(new ArrayList<>());
        long oldest = TxLogScan.dataTransactions(((GraphDatabaseAPI) db).getDependencyResolver(), afterTx, upToTx, tx -> {
            List<Long> last = rows.get(rows.size() - 1);
            if (last.size() == TX_IDS_PER_ROW) {
                last = new ArrayList<>();
                rows.add(last);
            }
            last.add(tx);
        });
        return rows.stream().map(ids -> {
            TxLogRow r = new TxLogRow();
            r.oldestTx = oldest;
            r.txIds = ids;
            return r;
        });
    }

    @Procedure(name = "summit.capture.truncate", mode = Mode.READ)
    @Description("summit-dr: deletes change-log session files whose transactions are all at or below 'upToTx'.")
    public Stream<Count> truncate(@Name("upToTx") long upToTx) throws IOException {
        Count c = new Count();
        c.deleted = CaptureRegistry.get(db.databaseName()).log().truncate(upToTx);
        return Stream.of(c);
    }
}
