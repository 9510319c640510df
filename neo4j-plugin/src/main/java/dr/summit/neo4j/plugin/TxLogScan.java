package dr.summit.neo4j.plugin;

import org.neo4j.common.DependencyResolver;
import org.neo4j.internal.recordstorage.Command;
import org.neo4j.kernel.impl.transaction.CommittedCommandBatchRepresentation;
import org.neo4j.kernel.impl.transaction.log.CommandBatchCursor;
import org.neo4j.kernel.impl.transaction.log.LogPosition;
import org.neo4j.kernel.impl.transaction.log.LogicalTransactionStore;
import org.neo4j.kernel.impl.transaction.log.files.LogFile;
import org.neo4j.kernel.impl.transaction.log.files.LogFiles;
import org.neo4j.storageengine.api.CommandBatch;
import org.neo4j.storageengine.api.StorageCommand;

import java.io.IOException;
import java.util.function.LongConsumer;

/**
 * Reads Neo4j's own transaction log (internal API of 5.26: {@link LogicalTransactionStore}) to say
 * which transactions in a range changed data, so the agent can check that its change feed missed
 * none. The listener never sees token or schema transactions; they carry no data command and are
 * not reported here either. The log is pruned by Neo4j's retention policy: the scan also says the
 * oldest transaction the log still holds.
 */
final class TxLogScan {
    private TxLogScan() {
    }

    /**
     * Calls {@code dataTx} for every committed transaction with {@code after < id <= upTo} that
     * carries a data command, in log order; returns the oldest transaction id the log holds (0 when
     * it holds none).
     */
    static long dataTransactions(DependencyResolver resolver, long after, long upTo, LongConsumer dataTx) throws IOException {
        LogFile file = resolver.resolveDependency(LogFiles.class).getLogFile();
        LogicalTransactionStore store = resolver.resolveDependency(LogicalTransactionStore.class);
        long oldest = 0;
        LogPosition start = null;
        // Log files are in version order and each holds later transactions than the one before:
        // start at the last file whose first transaction is at or before the range (reading one
        // batch per file), so a scan costs the range, not the whole retained log.
        for (long v = file.getLowestLogVersion(); v <= file.getHighestLogVersion(); v++) {
            if (!file.versionExists(v)) {
                continue;
            }
            LogPosition p = file.extractHeader(v).getStartPosition();
            long first = firstTx(store, p);
            if (first < 0) {
                continue;
            }
            if (oldest == 0) {
                oldest = first;
            }
            if (first <= after + 1 || start == null) {
                start = p;
            }
            if (first > after + 1) {
                break;
            }
        }
        if (start == null) {
            return oldest;
        }
        long last = -1;
        try (CommandBatchCursor cursor = store.getCommandBatches(start)) {
            while (cursor.next()) {
                CommittedCommandBatchRepresentation batch = cursor.get();
                long tx = batch.txId();
                if (tx <= after || batch.isRollback()) {
                    continue;
                }
                if (tx > upTo) {
                    break;
                }
                // A large transaction may be written as several batches (chunks): report it once.
                if (tx != last && carriesData(batch.commandBatch())) {
                    dataTx.accept(tx);
                    last = tx;
                }
            }
        }
        return oldest;
    }

    private static long firstTx(LogicalTransactionStore store, LogPosition p) throws IOException {
        try (CommandBatchCursor cursor = store.getCommandBatches(p)) {
            return cursor.next() ? cursor.get().txId() : -1;
        }
    }

    /**
     * Whether a batch changes nodes, relationships, properties or labels: anything but token,
     * schema (with the schema rules' own property records), metadata, version-upgrade and
     * enrichment commands. Named by class beyond the record format's property command, so the rule
     * also applies to Enterprise's block format (whose classes are not on the Community class
     * path; checked on the record format only, which Community uses).
     */
    static boolean carriesData(CommandBatch batch) {
        for (StorageCommand c : batch) {
            if (c instanceof StorageCommand.TokenCommand || c instanceof StorageCommand.VersionUpgradeCommand) {
                continue;
            }
            // The record format keeps an index's or constraint's settings in the property store:
            // CREATE/DROP INDEX writes property records owned by the schema rule, not by an entity.
            if (c instanceof Command.PropertyCommand p && (p.getBefore().isSchemaSet() || p.getAfter().isSchemaSet())) {
                continue;
            }
            String name = c.getClass().getSimpleName();
            if (name.contains("Schema") || name.contains("MetaData") || name.contains("Enrichment") || name.contains("Token")) {
                continue;
            }
            return true;
        }
        return false;
    }
}
