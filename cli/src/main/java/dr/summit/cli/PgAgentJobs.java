package dr.summit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.postgres.agent.AgentServer;
import dr.summit.postgres.agent.RequestRefused;
import dr.summit.postgres.agent.WalAgent;
import dr.summit.postgres.restore.PgRestore;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.format.Json;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * 'pg backup' and 'pg restore' run inside the resident agent for a client ({@link PgAgentClient}).
 * The request is the command's options as JSON ({@link #backupRequest}, {@link #restoreRequest}); the
 * agent serves only its own repository, cluster and data directory (the one whose pg_wal it archives),
 * refuses anything else before doing any work (4xx, one line), runs the same code as the in-process
 * command ({@code PgCommand.Backup.run}, {@code PgCommand.Restore.run}) on a fresh session of its open
 * repository (own lease, index loaded now, no key derivation), and answers what the command printed
 * and its exit code. One such command at a time: they use all cores anyway.
 */
final class PgAgentJobs {
    /** Connection settings a client may set for the agent's connection; files named by PG* are the agent's own. */
    private static final Set<String> AGENT_FILES = Set.of("PGPASSFILE", "PGSERVICEFILE", "PGSYSCONFDIR", "PGSSLCERT", "PGSSLKEY",
            "PGSSLROOTCERT", "PGSSLCRL", "PGSSLCRLDIR");

    private final Repository repo;
    private final String location;
    private final WalAgent agent;
    private final Consumer<String> log;
    private final ReentrantLock running = new ReentrantLock();
    private final java.util.concurrent.atomic.AtomicLong finished = new java.util.concurrent.atomic.AtomicLong();

    PgAgentJobs(Repository repo, String location, WalAgent agent, Consumer<String> log) {
        this.repo = repo;
        this.location = normalizeLocation(location);
        this.agent = agent;
        this.log = log;
    }

    /**
     * For the agent's idle trim: changes on every call while a command runs (its heap must not be
     * collected down and its buffers dropped mid-command), and once more when it has ended.
     */
    long activity() {
        return running.isLocked() ? System.nanoTime() : finished.get();
    }

    Map<String, AgentServer.Job> jobs() {
        return Map.of("pg/backup", this::backup, "pg/restore", this::restore);
    }

    static Map<String, Object> backupRequest(RepositoryOptions repository, String cluster, Path pgdata, String dsn, boolean json) {
        Map<String, Object> m = common(repository, cluster, pgdata, json);
        m.put("dsn", dsn);
        m.put("user", System.getProperty("user.name"));   // the snapshot names who asked, not the agent
        Map<String, String> env = new LinkedHashMap<>();
        System.getenv().keySet().stream().filter(n -> n.startsWith("PG") && !AGENT_FILES.contains(n)).sorted().forEach(n -> {
            String value = RepositoryOptions.env.apply(n);
            if (value != null) {
                env.put(n, value);
            }
        });
        m.put("env", env);
        return m;
    }

    static Map<String, Object> restoreRequest(PgCommand.Restore r) {
        Map<String, Object> m = common(r.repository, r.cluster.cluster, r.pgdata, r.output.json);
        Path passwordFile = r.repository.passwordFileOrNull();
        m.put("passwordFile", passwordFile == null ? null : passwordFile.toAbsolutePath().toString());
        m.put("launcher", RepositoryOptions.env.apply("SUMMIT_LAUNCHER"));
        m.put("agent", r.agent == null ? null : r.agent.toAbsolutePath().toString());
        m.put("targetTime", r.time);
        m.put("targetLsn", r.lsn);
        m.put("targetXid", r.xid);
        m.put("targetName", r.name);
        m.put("targetImmediate", r.immediate);
        m.put("latest", r.latest);
        m.put("targetExclusive", r.exclusive);
        m.put("targetTimeline", r.timeline);
        m.put("targetAction", r.action);
        m.put("dryRun", r.dryRun);
        m.put("start", r.start);
        m.put("pgBin", r.pgBin == null ? null : r.pgBin.toAbsolutePath().toString());
        m.put("timeout", r.timeoutSeconds);
        m.put("tablespaceMap", r.tablespaceMap);
        return m;
    }

    private static Map<String, Object> common(RepositoryOptions repository, String cluster, Path pgdata, boolean json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("repo", normalizeLocation(repository.location()));
        m.put("cluster", cluster);
        m.put("pgdata", pgdata.toAbsolutePath().normalize().toString());
        m.put("json", json);
        return m;
    }

    /** A local repository as an absolute path (the client's and the agent's working directories differ); a URL as given. */
    static String normalizeLocation(String location) {
        if (location.matches("[A-Za-z][A-Za-z0-9+.-]+:.*")) {
            return location;
        }
        return Path.of(location).toAbsolutePath().normalize().toString();
    }

    private byte[] backup(byte[] body) throws IOException {
        JsonNode req = parse(body);
        Path pgdata = checkServed(req);
        Map<String, String> env = new LinkedHashMap<>();
        req.path("env").fields().forEachRemaining(e -> {
            if (e.getKey().startsWith("PG") && !AGENT_FILES.contains(e.getKey()) && e.getValue().isTextual()) {
                env.put(e.getKey(), e.getValue().asText());
            }
        });
        Function<String, String> connectionEnv = n -> n.startsWith("PG") && !AGENT_FILES.contains(n) ? env.get(n) : System.getenv(n);
        String dsn = req.hasNonNull("dsn") ? req.get("dsn").asText() : null;
        boolean json = req.path("json").asBoolean();
        String user = req.hasNonNull("user") ? req.get("user").asText() : System.getProperty("user.name");
        return exclusive("pg backup", pgdata, (out, err) -> {
            try (Repository session = session("summit-dr pg backup (agent)", err); Connection conn = PgCommand.connect(dsn, connectionEnv, err)) {
                return PgCommand.Backup.run(session, conn, agent.cluster(), pgdata, user, json, out, err).exitCode();
            }
        });
    }

    private byte[] restore(byte[] body) throws IOException {
        JsonNode req = parse(body);
        Path pgdata = checkServed(req);
        PgCommand.Restore r = new PgCommand.Restore();
        r.pgdata = pgdata;
        r.time = text(req, "targetTime");
        r.lsn = text(req, "targetLsn");
        r.xid = text(req, "targetXid");
        r.name = text(req, "targetName");
        r.immediate = req.path("targetImmediate").asBoolean();
        r.latest = req.path("latest").asBoolean();
        r.exclusive = req.path("targetExclusive").asBoolean();
        r.timeline = text(req, "targetTimeline");
        r.action = text(req, "targetAction");
        r.dryRun = req.path("dryRun").asBoolean();
        r.start = req.path("start").asBoolean();
        r.pgBin = text(req, "pgBin") == null ? Path.of("/usr/lib/postgresql/15/bin") : Path.of(text(req, "pgBin"));
        r.timeoutSeconds = req.path("timeout").asLong(3600);
        r.agent = text(req, "agent") == null ? null : Path.of(text(req, "agent"));
        r.cluster = new PgCommand.ClusterOption();
        r.cluster.cluster = agent.cluster();
        r.output = new OutputOptions();
        r.output.json = req.path("json").asBoolean();
        r.repoLocation = text(req, "repo");
        r.passwordFile = text(req, "passwordFile") == null ? null : Path.of(text(req, "passwordFile"));
        r.launcher = text(req, "launcher");
        if (req.path("tablespaceMap").size() > 0) {
            // Its directories lie outside the data directory the agent serves.
            throw new RequestRefused("--tablespace-map writes outside the agent's --pgdata " + agent.pgdata()
                    + ": restore in-process (without --agent or SUMMIT_AGENT)");
        }
        if (!r.dryRun) {
            try {
                PgRestore.requireEmpty(pgdata, "data directory " + pgdata);
            } catch (RepositoryException e) {
                throw new RequestRefused(409, e.getMessage());
            }
        }
        return exclusive("pg restore", pgdata, (out, err) -> {
            r.out = out;
            r.err = err;
            try (Repository session = session("summit-dr pg restore (agent)", err)) {
                return r.run(session);
            }
        });
    }

    private Repository session(String command, PrintWriter err) {
        Repository session = repo.session(command);
        session.onWarning(w -> err.println("warning: " + w));
        return session;
    }

    private static JsonNode parse(byte[] body) {
        try {
            JsonNode req = Json.MAPPER.readTree(body);
            if (req == null || !req.isObject()) {
                throw new RequestRefused(400, "the request is not a JSON object");
            }
            return req;
        } catch (IOException e) {
            throw new RequestRefused(400, "the request is not JSON");
        }
    }

    private static String text(JsonNode req, String field) {
        return req.hasNonNull(field) ? req.get(field).asText() : null;
    }

    /** The request's repository, cluster and data directory must be the agent's: it acts for no other. */
    private Path checkServed(JsonNode req) {
        String requestRepo = text(req, "repo");
        if (requestRepo == null || !normalizeLocation(requestRepo).equals(location)) {
            throw new RequestRefused("this agent serves repository " + location + ", the command names " + requestRepo);
        }
        String cluster = text(req, "cluster");
        if (!agent.cluster().equals(cluster)) {
            throw new RequestRefused("this agent serves cluster '" + agent.cluster() + "', the command names --cluster '" + cluster + "'");
        }
        String dir = text(req, "pgdata");
        Path pgdata = dir == null ? null : Path.of(dir).toAbsolutePath().normalize();
        if (!agent.pgdata().equals(pgdata)) {
            throw new RequestRefused("this agent serves the data directory " + agent.pgdata() + ", the command names --pgdata " + dir);
        }
        return pgdata;
    }

    private interface Command {
        int run(PrintWriter out, PrintWriter err) throws Exception;
    }

    /** Runs one command at a time and answers {"exit", "out", "err", "failure"}; a failure is what Main would print. */
    private byte[] exclusive(String what, Path pgdata, Command command) throws IOException {
        if (!running.tryLock()) {
            throw new RequestRefused(409, "a pg backup or restore is already running in this agent; try again when it ends");
        }
        long started = System.nanoTime();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, Object> reply = new LinkedHashMap<>();
        try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
            int exit;
            String failure = null;
            try {
                exit = command.run(o, e);
            } catch (Throwable t) {   // any failure is the command's answer: the client must not see a dropped connection
                exit = ExitCodes.of(t);
                failure = Main.oneLine(t);
            }
            o.flush();
            e.flush();
            reply.put("exit", exit);
            reply.put("out", out.toString());
            reply.put("err", err.toString());
            reply.put("failure", failure);
            log.accept("summit-dr agent: " + what + " of " + pgdata + " for a client: exit " + exit + " after "
                    + (System.nanoTime() - started) / 1_000_000 + " ms" + (failure == null ? "" : " (" + failure + ")"));
        } finally {
            finished.incrementAndGet();
            running.unlock();
        }
        return Json.MAPPER.writeValueAsBytes(reply);
    }
}
