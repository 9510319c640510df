package dr.summit.orchestrator.sources;

import java.time.Instant;

/** What a recovery asks for: a backup ("latest" or an id) and optionally a PITR target (at most one). */
public record RecoveryRequest(String backupId, Instant targetTime, String targetLsn, String targetXid, String targetName) {
    public static RecoveryRequest latest() {
        return new RecoveryRequest("latest", null, null, null, null);
    }
}
