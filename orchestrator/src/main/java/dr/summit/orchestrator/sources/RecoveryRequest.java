package dr.summit.orchestrator.sources;

import java.time.Instant;

/**
 * What a recovery asks for: a backup ("latest" or an id) and optionally a PITR target (at most one).
 * {@code untilTx} (Neo4j: last transaction to apply, inclusive) and {@code includeIncrementals} (the
 * seed's field; false = a Neo4j full alone) matter to Neo4j only; {@code force} lets a restore replace
 * a non-empty target database.
 */
public record RecoveryRequest(String backupId, Instant targetTime, String targetLsn, String targetXid, String targetName,
                              Long untilTx, Boolean includeIncrementals, boolean force) {
    public RecoveryRequest(String backupId, Instant targetTime, String targetLsn, String targetXid, String targetName) {
        this(backupId, targetTime, targetLsn, targetXid, targetName, null, null, false);
    }

    public static RecoveryRequest latest() {
        return new RecoveryRequest("latest", null, null, null, null);
    }
}
