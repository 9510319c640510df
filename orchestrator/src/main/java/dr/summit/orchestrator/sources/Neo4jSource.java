package dr.summit.orchestrator.sources;

import dr.summit.neo4j.Neo4jFailure;
import dr.summit.neo4j.backup.Neo4jBackup;
import dr.summit.neo4j.backup.Neo4jCatalogue;
import dr.summit.neo4j.restore.Neo4jRestore;
import dr.summit.neo4j.restore.RestorePlan;
import dr.summit.neo4j.source.Neo4jConnection;
import dr.summit.orchestrator.jobs.JobContext;
import dr.summit.repository.Repository;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One Neo4j database's backups (full + incremental chains, neo4j module) and the database a recovery
 * writes into over Bolt ({@code target}). Drills restore into {@code drill} instead, a scratch server
 * whose database may be replaced, and compare the restored graph's digest with the one the backup
 * recorded. A real recovery refuses a non-empty target unless the request says {@code force}.
 */
public final class Neo4jSource implements RecoverableSource {
    private final Repository repo;
    private final String name;
    private final Neo4jConnection.Settings target;
    private final Neo4jConnection.Settings drill;
    private final java.time.Duration fullEvery;

    /**
     * {@code drill} null: drills of this source fail with a message naming the missing key; {@code fullEvery}: the
     * age of the last full after which a backup is a full ({@code [[neo4j]] fullEvery}).
     */
    public Neo4jSource(Repository repo, String name, Neo4jConnection.Settings target, Neo4jConnection.Settings drill,
                       java.time.Duration fullEvery) {
        this.repo = repo;
        this.name = name;
        this.target = target;
        this.drill = drill;
        this.fullEvery = fullEvery;
    }

    /** What the plan's handle carries to {@link #restore}. */
    private record Handle(RestorePlan plan, boolean force) {
    }

    @Override
    public String kind() {
        return "neo4j";
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean restoresIntoDirectory() {
        return false;
    }

    @Override
    public String backupUnavailable() {
        return null;
    }

    /**
     * An online backup of the configured database, as {@code neo4j backup} takes it: incremental from the capture
     * plugin's change feed, a full the first time, after a feed gap, or when the last full is older than
     * {@code fullEvery}.
     */
    @Override
    public Map<String, Object> backUp(JobContext context) throws Exception {
        context.phase("backing up Neo4j database " + target.database() + " at " + target.uri());
        repo.loadIndex();
        Neo4jBackup.Options options = new Neo4jBackup.Options(target.database(), false, fullEvery, true,
                ServerHost.name(), System.getProperty("user.name"), "summit-dr server", List.of());
        Neo4jBackup.Result r;
        try (Neo4jConnection conn = Neo4jConnection.open(target)) {
            r = new Neo4jBackup(repo, options).run(conn);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        if (r.entry() == null) {
            result.put("unchanged", true);
            result.put("previous", r.previous().id());
            return result;
        }
        Neo4jCatalogue.Entry e = r.entry();
        result.put("snapshot", e.id());
        result.put("type", e.type());
        result.put("database", target.database());
        result.put("fromTx", e.fromTx());
        result.put("toTx", e.toTx());
        result.put("transactions", e.transactions());
        result.put("bytesAdded", r.bytesAdded());
        if (e.digest() != null) {
            result.put("digest", e.digest());
        }
        if (r.fullReason() != null) {
            result.put("fullReason", r.fullReason());
        }
        context.progress(1, r.bytesAdded());
        return result;
    }

    private Neo4jCatalogue catalogue() {
        return new Neo4jCatalogue(repo, target.database());
    }

    @Override
    public List<BackupInfo> backups() {
        List<BackupInfo> out = new ArrayList<>();
        for (Neo4jCatalogue.Entry e : catalogue().entries()) {
            var s = e.snapshot();
            out.add(new BackupInfo(e.id(), "neo4j", name, e.toTime(), s.summary() == null ? 0 : s.summary().totalBytes(),
                    s.summary() == null ? 0 : s.summary().files(), s.host(), tags(e)));
        }
        Collections.reverse(out);
        return out;
    }

    /** The snapshot's tags plus what an operator picks a Neo4j backup by: full or incremental, and its tx range. */
    private static List<String> tags(Neo4jCatalogue.Entry e) {
        List<String> tags = new ArrayList<>(e.snapshot().tags());
        tags.add("neo4j-" + e.type());
        tags.add("tx:" + e.fromTx() + ".." + e.toTx());
        return tags;
    }

    /** The recoverable windows, one per complete chain (from the full's end to its last incremental). */
    public List<OutsideWindow.Window> windows() {
        return catalogue().chains().stream().map(c -> new OutsideWindow.Window(c.fromTime(), c.toTime())).toList();
    }

    @Override
    public RecoveryPlan plan(RecoveryRequest request) {
        if (request.targetLsn() != null || request.targetXid() != null || request.targetName() != null) {
            throw new IllegalArgumentException("neo4j source '" + name + "' recovers to a time (targetTime) or a transaction (untilTx), "
                    + "not an LSN, xid or restore point");
        }
        boolean fullOnly = Boolean.FALSE.equals(request.includeIncrementals());
        List<Neo4jCatalogue.Chain> chains = catalogue().chains();
        if (chains.isEmpty()) {
            throw new UnknownBackup("neo4j source '" + name + "' has no complete backup chain of database '" + target.database()
                    + "' in " + repo.store().location());
        }
        String ref = resolve(request.backupId(), chains);
        RestorePlan plan;
        try {
            plan = RestorePlan.of(chains, new RestorePlan.Target(ref, request.untilTx(), request.targetTime(), fullOnly));
        } catch (Neo4jFailure outside) {
            // resolve() found the backup, so the catalogue's only remaining refusal is a point outside every window
            throw new OutsideWindow(outside.getMessage(), windows());
        }
        return plan(plan, request.force());
    }

    /** The backup id (prefix) RestorePlan takes for a seed-style name; UnknownBackup when none matches. */
    private String resolve(String backupId, List<Neo4jCatalogue.Chain> chains) {
        BackupRef ref = BackupRef.parse(backupId);
        if (ref.latest()) {
            return "latest";
        }
        List<Neo4jCatalogue.Entry> matches = chains.stream().flatMap(c -> c.all().stream())
                .filter(e -> ref.matches(e.id(), e.snapshot().time())).toList();
        if (matches.isEmpty()) {
            throw new UnknownBackup("no Neo4j backup " + backupId + " of database '" + target.database() + "' in a complete chain");
        }
        if (matches.size() > 1) {
            throw new UnknownBackup("backup id " + backupId + " is ambiguous (" + matches.size() + " matches)");
        }
        return matches.get(0).id();
    }

    private RecoveryPlan plan(RestorePlan p, boolean force) {
        long bytes = 0;
        for (Neo4jCatalogue.Entry e : p.entries()) {
            bytes += e.snapshot().summary() == null ? 0 : e.snapshot().summary().totalBytes();
        }
        long toTx = p.untilTx() != null ? p.untilTx() : p.last().toTx();
        String range = "tx " + p.chain().fromTx() + ".." + toTx + " (full " + p.chain().full().snapshot().shortId()
                + (p.entries().size() > 1 ? " + " + (p.entries().size() - 1) + " incremental(s) to " + p.last().snapshot().shortId() : "") + ")";
        // A tx target's commit time is known only once replayed; the plan gives the time only when it is certain.
        java.time.Instant recoversTo = p.untilTime() != null ? p.untilTime() : p.endsAtLastEntry() ? p.last().toTime() : null;
        return new RecoveryPlan(name, "neo4j", p.last().id(), p.chain().full().toTime(), recoversTo, range, bytes,
                RecoveryPlan.estimate(bytes), target.uri() + " database " + target.database(), new Handle(p, force));
    }

    /**
     * A random backup end in any complete chain: a point the repository recorded a digest for, so the
     * drill's comparison means something (a random second between two backups has no recorded digest).
     */
    @Override
    public RecoveryPlan randomPoint(Random random) {
        List<Neo4jCatalogue.Chain> chains = catalogue().chains();
        if (chains.isEmpty()) {
            throw new UnknownBackup("neo4j source '" + name + "' has no complete backup chain");
        }
        List<Neo4jCatalogue.Entry> ends = chains.stream().flatMap(c -> c.all().stream()).toList();
        Neo4jCatalogue.Entry chosen = ends.get(random.nextInt(ends.size()));
        return plan(RestorePlan.of(chains, new RestorePlan.Target(chosen.id(), null, null, false)), false);
    }

    @Override
    public RestoreCheck restore(RecoveryPlan plan, Path ignored, boolean drilling, JobContext context) throws Exception {
        Handle h = (Handle) plan.handle();
        Neo4jConnection.Settings into = drilling ? drill : target;
        if (into == null) {
            throw new SourceUnavailable("neo4j source '" + name + "' has no drill-uri configured (a scratch Neo4j whose database drills may replace)");
        }
        // A drill's scratch database is there to be replaced; a real recovery replaces data only when asked.
        boolean force = drilling || h.force();
        context.phase("restoring Neo4j database " + into.database() + " at " + into.uri() + " from " + h.plan().entries().size() + " backup(s)");
        Neo4jRestore.Result r;
        try (Neo4jConnection conn = Neo4jConnection.open(into)) {
            if (!force) {
                refuseNonEmpty(conn);
            }
            r = new Neo4jRestore(repo).run(conn, h.plan(), force);
        }
        context.checkCancelled();
        List<String> problems = new ArrayList<>();
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("target", into.uri() + " database " + into.database());
        facts.put("backups", h.plan().entries().stream().map(Neo4jCatalogue.Entry::id).toList());
        facts.put("lastTx", r.lastTx());
        if (r.lastCommit() != null) {
            facts.put("lastCommit", r.lastCommit().toString());
        }
        facts.put("nodes", r.digest().nodes());
        facts.put("relationships", r.digest().relationships());
        facts.put("digest", r.digest().toString());
        facts.put("millis", r.millis());
        Boolean matches = r.digestMatches();
        if (matches == null) {
            facts.put("digestChecked", false); // a point between two backups: no digest was recorded for it
        } else {
            facts.put("recordedDigest", r.recordedDigest());
            facts.put("digestChecked", true);
            if (!matches) {
                problems.add("restored graph's digest " + r.digest() + " differs from the digest " + r.recordedDigest()
                        + " recorded by backup " + h.plan().last().snapshot().shortId());
            }
        }
        context.progress(1, 0);
        return new RestoreCheck(problems.isEmpty(), problems, facts);
    }

    /** The API's own wording of Neo4jRestore's refusal (which speaks of the CLI's --force). */
    private static void refuseNonEmpty(Neo4jConnection conn) {
        long nodes = conn.read(s -> s.run("MATCH (n) RETURN count(n) AS c").single().get("c").asLong());
        if (nodes > 0) {
            throw new Neo4jFailure("database '" + conn.database() + "' at " + conn.uri() + " is not empty (" + nodes
                    + " nodes): restore into an empty database, or send \"force\": true to replace its content");
        }
    }
}
