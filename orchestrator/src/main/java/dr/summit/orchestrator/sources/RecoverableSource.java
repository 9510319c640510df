package dr.summit.orchestrator.sources;

import dr.summit.orchestrator.jobs.JobContext;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One kind of thing the orchestrator can bring back (a directory tree, a PostgreSQL cluster, later a
 * Neo4j database). Planning is pure reading; only {@link #restore} writes, and only into {@code target}.
 */
public interface RecoverableSource {
    /** files, postgres or neo4j. */
    String kind();

    /** The name the config gives it (unique per kind). */
    String name();

    /**
     * True when a restore writes into a directory the request names ({@code target}); false when the
     * config names where it goes (a Neo4j database over Bolt), so a request needs no directory.
     */
    default boolean restoresIntoDirectory() {
        return true;
    }

    /** Its backups, newest first. */
    List<BackupInfo> backups();

    /**
     * Chooses the backup and target for {@code request}; {@link UnknownBackup} or {@link OutsideWindow}
     * when it cannot be met, IllegalArgumentException for a malformed target.
     */
    RecoveryPlan plan(RecoveryRequest request);

    /** A random point this source can recover to (the seed's "PITR to random timestamp"). */
    RecoveryPlan randomPoint(Random random);

    /**
     * Restores the plan into {@code target} (absent or empty) and checks what was written against the
     * backup; with {@code drill}, also starts/queries it where the kind allows (a throwaway instance).
     * A source that does not restore into a directory gets null and uses its configured target.
     */
    RestoreCheck restore(RecoveryPlan plan, Path target, boolean drill, JobContext context) throws Exception;

    /**
     * Why the server cannot back this source up (a key its config lacks), or null when it can. A
     * recovery-only source (PostgreSQL without dsn/pgdata) still restores and drills.
     */
    default String backupUnavailable() {
        return kind() + " source '" + name() + "' cannot be backed up by the server";
    }

    /**
     * Takes one backup now, with the same service the CLI's backup command of this kind runs; returns what
     * the job reports (snapshot id, sizes). Only called when {@link #backupUnavailable()} is null.
     */
    default Map<String, Object> backUp(JobContext context) throws Exception {
        throw new SourceUnavailable(backupUnavailable());
    }
}
