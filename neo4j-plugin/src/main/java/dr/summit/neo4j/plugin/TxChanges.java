package dr.summit.neo4j.plugin;

import java.util.List;

/** The changes of one committed transaction with its id and commit time (ms since the epoch). */
public record TxChanges(long txId, long commitTime, List<Change> changes) {
}
