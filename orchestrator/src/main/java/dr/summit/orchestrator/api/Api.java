package dr.summit.orchestrator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import dr.summit.http.Exchange;
import dr.summit.http.HttpError;
import dr.summit.http.Reply;
import dr.summit.http.Route;
import dr.summit.http.Router;
import dr.summit.orchestrator.Orchestrator;
import dr.summit.orchestrator.access.Principal;
import dr.summit.orchestrator.access.Role;
import dr.summit.orchestrator.drills.Drills;
import dr.summit.orchestrator.events.MetricsExposition;
import dr.summit.orchestrator.jobs.Job;
import dr.summit.orchestrator.jobs.JobConflict;
import dr.summit.orchestrator.jobs.JobRunner;
import dr.summit.orchestrator.records.Json;
import dr.summit.orchestrator.sources.BackupInfo;
import dr.summit.orchestrator.sources.OutsideWindow;
import dr.summit.orchestrator.sources.RecoverableSource;
import dr.summit.orchestrator.sources.RecoveryPlan;
import dr.summit.orchestrator.sources.RecoveryRequest;
import dr.summit.orchestrator.sources.RestoreCheck;
import dr.summit.orchestrator.sources.SourceUnavailable;
import dr.summit.orchestrator.sources.UnknownBackup;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The seed's REST API over one {@link Orchestrator}. Every route but /health, /metrics and the API
 * document needs a bearer token whose role allows it; every POST (allowed or not) is appended to the
 * audit log with who, role, what, from where and the answer. Long work answers 202 with the job and
 * its Location; domain errors map to 404 (unknown backup), 409 (target busy), 422 (outside the
 * recoverable window, with the windows) and 503 (source kind not configured).
 */
public final class Api {
    private final Orchestrator o;
    private final byte[] openApi;

    public Api(Orchestrator orchestrator) {
        this.o = orchestrator;
        try (InputStream in = Api.class.getResourceAsStream("openapi.json")) {
            this.openApi = in.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("openapi.json missing from the orchestrator jar", e);
        }
    }

    public Router router() {
        return new Router()
                .get("/health", ex -> json(200, health()))
                .get("/metrics", this::metrics)
                .get("/api/openapi.json", ex -> Reply.json(200, openApi))
                .get("/api/docs", ex -> Reply.of(200, "text/html; charset=utf-8", ApiDocsPage.render(openApi)))
                .get("/api/v1/backups", guarded(Role.VIEWER, this::listBackups))
                .post("/api/v1/backups", audited(Role.OPERATOR, "backup.run", this::runBackup))
                .get("/api/v1/recovery/status", guarded(Role.VIEWER, (ex, p) -> json(200, status())))
                .post("/api/v1/recovery/full", audited(null, "recovery.full", (ex, p) -> recover(ex, p, null)))
                .post("/api/v1/recovery/files", audited(null, "recovery.files", (ex, p) -> recover(ex, p, "files")))
                .post("/api/v1/recovery/postgres", audited(null, "recovery.postgres", (ex, p) -> recover(ex, p, "postgres")))
                .post("/api/v1/recovery/neo4j", audited(null, "recovery.neo4j", (ex, p) -> recover(ex, p, "neo4j")))
                .post("/api/v1/drills/run", audited(Role.OPERATOR, "drill.run", this::runDrill))
                .get("/api/v1/jobs/{id}", guarded(Role.VIEWER, (ex, p) -> json(200, job(ex.pathVariable("id")))))
                .post("/api/v1/jobs/{id}/cancel", audited(Role.OPERATOR, "job.cancel", this::cancel))
                .get("/api/v1/audit", guarded(Role.ADMIN, this::auditPage));
    }

    /** A route that knows who is calling. */
    @FunctionalInterface
    interface AuthedRoute {
        Reply serve(Exchange ex, Principal who) throws Exception;
    }

    private Route guarded(Role needed, AuthedRoute route) {
        return ex -> route.serve(ex, authenticate(ex, needed));
    }

    /** Like guarded, and audited whatever the answer; {@code needed} null: the route checks the role itself. */
    private Route audited(Role needed, String action, AuthedRoute route) {
        return ex -> {
            Principal who = null;
            try {
                who = authenticate(ex, Role.VIEWER);
                requireRole(who, needed == null ? Role.VIEWER : needed);
                Reply r = route.serve(ex, who);
                o.audit().append(who.name(), who.roleLabel(), action, ex.path(), ex.remote(), r.status() + describe(r));
                return r;
            } catch (HttpError e) {
                o.audit().append(who == null ? "unauthenticated" : who.name(), who == null ? "none" : who.roleLabel(), action, ex.path(),
                        ex.remote(), e.status() + " " + e.getMessage());
                throw e;
            } catch (Exception e) {
                o.audit().append(who == null ? "unauthenticated" : who.name(), who == null ? "none" : who.roleLabel(), action, ex.path(),
                        ex.remote(), "500");
                throw e;
            }
        };
    }

    private static String describe(Reply r) {
        String loc = r.headers().get("Location");
        return loc != null ? " " + loc : "";
    }

    private Principal authenticate(Exchange ex, Role needed) {
        String header = ex.header("Authorization");
        if (header == null || !header.startsWith("Bearer ")) {
            throw new HttpError(401, "an API token is needed: send 'Authorization: Bearer TOKEN' (summit-dr token create)");
        }
        Principal p = o.tokens().authenticate(header.substring(7).trim())
                .orElseThrow(() -> new HttpError(401, "the API token is unknown or revoked"));
        requireRole(p, needed);
        return p;
    }

    private static void requireRole(Principal p, Role needed) {
        if (!p.role().allows(needed)) {
            throw new HttpError(403, "token '" + p.name() + "' has role " + p.roleLabel() + "; this needs " + needed.label());
        }
    }

    private Map<String, Object> health() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", "ok");
        m.put("repository", o.repository().store().location());
        m.put("sources", o.sources().names());
        return m;
    }

    private Reply metrics(Exchange ex) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        o.metrics().write(out);
        return Reply.of(200, MetricsExposition.CONTENT_TYPE, out.toByteArray());
    }

    private Reply listBackups(Exchange ex, Principal who) throws JsonProcessingException {
        String type = ex.query("type") == null ? "all" : ex.query("type");
        if (!List.of("all", "full", "files", "postgres", "neo4j").contains(type)) {
            throw HttpError.badField("type", "type must be all, full, files, postgres or neo4j; got '" + type + "'");
        }
        int limit = intParam(ex, "limit", 20, 1, 1000);
        List<BackupInfo> all = new ArrayList<>();
        for (RecoverableSource s : o.sources().all()) {
            // Every backup here is a full one (files snapshots and base backups restore on their own).
            if (type.equals("all") || type.equals("full") || type.equals(s.kind())) {
                all.addAll(s.backups());
            }
        }
        if (type.equals("neo4j") && o.sources().ofKind("neo4j").isEmpty()) {
            throw new HttpError(503, "no Neo4j source configured");
        }
        all.sort(Comparator.comparing(BackupInfo::time).reversed());
        return json(200, Map.of("backups", all.subList(0, Math.min(limit, all.size())), "total", all.size()));
    }

    private static int intParam(Exchange ex, String name, int dflt, int min, int max) {
        String v = ex.query(name);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw HttpError.badField(name, name + " must be a whole number from " + min + " to " + max + "; got '" + v + "'");
        }
    }

    private Map<String, Object> status() {
        List<Job> jobs = o.jobStore().all();
        Map<String, Object> m = new LinkedHashMap<>();
        List<Map<String, Object>> sources = new ArrayList<>();
        for (RecoverableSource s : o.sources().all()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("source", s.kind() + ":" + s.name());
            try {
                List<BackupInfo> b = s.backups();
                e.put("backups", b.size());
                e.put("newestBackup", b.isEmpty() ? null : b.get(0).time());
            } catch (RuntimeException unreadable) {
                e.put("error", unreadable.getMessage());
            }
            sources.add(e);
        }
        m.put("sources", sources);
        m.put("running", jobs.stream().filter(j -> !j.finishedState()).toList());
        m.put("recent", jobs.stream().limit(20).toList());
        Map<String, Object> lastDrills = new LinkedHashMap<>();
        for (Map<String, Object> r : o.drills().reports()) {
            lastDrills.put(String.valueOf(r.get("scenario")), Map.of("job", r.get("job"), "passed", r.get("passed"),
                    "rtoSeconds", r.get("rtoSeconds"), "rpoSeconds", r.get("rpoSeconds"), "finished", r.get("finished")));
        }
        m.put("lastDrills", lastDrills);
        m.put("schedules", o.scheduler().status(jobs));
        if (o.scheduler().verifySchedule().isPresent()) {
            m.put("rollingVerify", dr.summit.orchestrator.schedule.RollingVerify.coverage(jobs).orElse(null));
        }
        return m;
    }

    private Job job(String id) {
        return o.jobs().find(id).orElseThrow(() -> HttpError.notFound("no job " + id));
    }

    private Reply cancel(Exchange ex, Principal who) throws JsonProcessingException {
        Job j = job(ex.pathVariable("id"));
        if ("recovery".equals(j.type()) && !j.dryRun()) {
            requireRole(who, Role.ADMIN);
        }
        if (j.finishedState()) {
            throw new HttpError(409, "job " + j.id() + " already " + j.state());
        }
        if (!o.jobs().isLocal(j.id())) {
            throw new HttpError(409, "job " + j.id() + " runs in another process (another server, or a summit-dr drill run); cancel it there");
        }
        return json(202, o.jobs().cancel(j.id()).orElseThrow());
    }

    private Reply auditPage(Exchange ex, Principal who) throws JsonProcessingException {
        long after = intParam(ex, "after", 0, 0, Integer.MAX_VALUE);
        int limit = intParam(ex, "limit", 100, 1, 1000);
        var entries = o.audit().page(after, limit);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("entries", entries);
        if (entries.size() == limit) {
            m.put("next", "/api/v1/audit?after=" + entries.get(entries.size() - 1).seq() + "&limit=" + limit);
        }
        return json(200, m);
    }

    private Reply runDrill(Exchange ex, Principal who) throws Exception {
        Bodies.Drill body = Bodies.parse(ex.body(), Bodies.Drill.class);
        if (body.scenario() == null || !Drills.SCENARIOS.contains(body.scenario())) {
            throw HttpError.badField("scenario", "scenario must be one of " + Drills.SCENARIOS
                    + (body.scenario() == null ? "" : "; got '" + body.scenario() + "'"));
        }
        List<RecoverableSource> chosen = o.sources().all().stream()
                .filter(s -> body.source() == null || body.source().equals(s.kind()) || body.source().equals(s.kind() + ":" + s.name())).toList();
        if (chosen.isEmpty()) {
            throw HttpError.badField("source", "no configured source matches '" + body.source() + "' (have " + o.sources().names() + ")");
        }
        if (Boolean.TRUE.equals(body.dryRun())) {
            List<Object> plans = new ArrayList<>();
            for (RecoverableSource s : chosen) {
                plans.add(planOrProblem(s, RecoveryRequest.latest()));
            }
            return json(200, Map.of("dryRun", true, "scenario", body.scenario(), "plans", plans));
        }
        try {
            return submitted(o.submitDrill(body.scenario(), body.source(), who.name(), ex.header("Idempotency-Key")));
        } catch (JobConflict c) {
            throw conflict(c);
        }
    }

    private static Object planOrProblem(RecoverableSource s, RecoveryRequest r) {
        try {
            return s.plan(r);
        } catch (RuntimeException e) {
            return Map.of("source", s.kind() + ":" + s.name(), "problem", String.valueOf(e.getMessage()));
        }
    }

    private Reply runBackup(Exchange ex, Principal who) throws Exception {
        Bodies.Backup body = Bodies.parse(ex.body(), Bodies.Backup.class);
        String type = body.type();
        String name = body.source();
        if (name != null && name.contains(":")) {
            String kindOfName = name.substring(0, name.indexOf(':'));
            if (type != null && !type.equals(kindOfName)) {
                throw HttpError.badField("source", "source '" + name + "' is not of type " + type);
            }
            type = kindOfName;
            name = name.substring(name.indexOf(':') + 1);
        }
        if (type != null && !List.of("files", "postgres", "neo4j").contains(type)) {
            throw HttpError.badField("type", "type must be files, postgres or neo4j; got '" + type + "'");
        }
        if (type != null && o.sources().ofKind(type).isEmpty()) {
            throw new HttpError(503, "no " + type + " source configured", Map.of("kind", type));
        }
        String kind = type;
        String wanted = name;
        List<RecoverableSource> named = o.sources().all().stream().filter(s -> kind == null || s.kind().equals(kind))
                .filter(s -> wanted == null || s.name().equals(wanted)).toList();
        List<RecoverableSource> candidates = named.stream().filter(s -> s.backupUnavailable() == null).toList();
        if (candidates.size() != 1) {
            String why = candidates.size() > 1 ? "name one of the sources: " + candidates.stream().map(s -> s.kind() + ":" + s.name()).toList()
                    : named.size() == 1 ? named.get(0).backupUnavailable()
                    : "no configured source " + (wanted == null ? "" : "named '" + wanted + "' ") + "that the server can back up (have "
                    + o.sources().names() + ")";
            throw HttpError.badField("source", why);
        }
        try {
            return submitted(o.submitBackup(candidates.get(0), who.name(), ex.header("Idempotency-Key")));
        } catch (JobConflict c) {
            throw conflict(c);
        }
    }

    /** POST /api/v1/recovery/{kind}; kind null: every configured source (the seed's full recovery). */
    private Reply recover(Exchange ex, Principal who, String kind) throws Exception {
        Bodies.Recovery body = Bodies.parse(ex.body(), Bodies.Recovery.class);
        requireRole(who, body.dry() ? Role.OPERATOR : Role.ADMIN);
        RecoveryRequest request;
        try {
            request = new RecoveryRequest(body.backupId(), body.time(), body.targetLsn(), body.targetXid(), body.targetName(),
                    body.untilTx(), body.includeIncrementals(), Boolean.TRUE.equals(body.force()));
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest(e.getMessage());
        }
        List<RecoverableSource> chosen;
        try {
            chosen = kind == null ? o.sources().all() : List.of(o.sources().one(kind, body.source()));
        } catch (SourceUnavailable e) {
            throw new HttpError(503, e.getMessage(), Map.of("kind", kind));
        } catch (IllegalArgumentException e) {
            throw HttpError.badField("source", e.getMessage());
        }
        List<RecoveryPlan> plans = new ArrayList<>();
        for (RecoverableSource s : chosen) {
            plans.add(plan(s, request));
        }
        if (body.dry()) {
            return json(200, Map.of("dryRun", true, "plans", plans));
        }
        boolean needsDirectory = chosen.stream().anyMatch(RecoverableSource::restoresIntoDirectory);
        if (needsDirectory && (body.target() == null || body.target().isBlank())) {
            throw HttpError.badField("target", "target: the directory to restore into is required unless dryRun is true (absent or empty; "
                    + (kind == null ? "each source goes to TARGET/KIND-NAME" : "nothing is overwritten") + ")");
        }
        if (!needsDirectory && body.target() != null) {
            throw HttpError.badField("target", "target: a Neo4j source restores into the database its config names ("
                    + plans.get(0).target() + "); leave target out");
        }
        Path target = needsDirectory ? Path.of(body.target()).toAbsolutePath().normalize() : null;
        String label = kind == null ? "full" : kind;
        // Two recoveries into one directory or one database would interleave their writes: the second gets 409.
        String where = target != null ? target.toString() : plans.get(0).target();
        JobRunner.Spec spec = new JobRunner.Spec("recovery", label, null, where, false, who.name(),
                "recover:" + where, false, ex.header("Idempotency-Key"));
        try {
            return submitted(o.jobs().submit(spec, ctx -> {
                Map<String, Object> result = new LinkedHashMap<>();
                List<Object> done = new ArrayList<>();
                for (RecoveryPlan p : plans) {
                    RecoverableSource source = o.sources().one(p.kind(), p.source());
                    Path dir = !source.restoresIntoDirectory() ? null : kind == null ? target.resolve(p.kind() + "-" + p.source()) : target;
                    RestoreCheck check = source.restore(dir == null ? p : p.withTarget(dir.toString()), dir, false, ctx);
                    String into = dir == null ? p.target() : dir.toString();
                    done.add(Map.of("source", p.kind() + ":" + p.source(), "target", into, "passed", check.passed(),
                            "checks", check.facts(), "problems", check.problems()));
                    if (!check.passed()) {
                        result.put("sources", done);
                        throw new dr.summit.orchestrator.jobs.JobFailure("recovery of " + p.kind() + ":" + p.source() + " into " + into
                                + " failed: " + String.join("; ", check.problems()), result);
                    }
                }
                result.put("sources", done);
                return result;
            }));
        } catch (JobConflict c) {
            throw conflict(c);
        }
    }

    private static RecoveryPlan plan(RecoverableSource s, RecoveryRequest request) {
        try {
            return s.plan(request);
        } catch (UnknownBackup e) {
            throw HttpError.notFound(e.getMessage());
        } catch (OutsideWindow e) {
            // as strings: the error body is written by the http module, which knows no java.time
            throw new HttpError(422, e.getMessage(), Map.of("windows", e.windows().stream()
                    .map(w -> Map.of("from", w.from().toString(), "to", w.to().toString())).toList()));
        } catch (SourceUnavailable e) {
            throw new HttpError(503, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest(e.getMessage());
        }
    }

    /** 409 naming the job that holds the target (on this or another server), when one does. */
    private static HttpError conflict(JobConflict c) {
        return c.runningJob() == null ? new HttpError(409, c.getMessage()) : new HttpError(409, c.getMessage(), Map.of("job", c.runningJob()));
    }

    private static Reply submitted(JobRunner.Submitted s) throws JsonProcessingException {
        String location = "/api/v1/jobs/" + s.job().id();
        return json(s.created() ? 202 : 200, s.job()).withHeader("Location", location);
    }

    static Reply json(int status, Object value) throws JsonProcessingException {
        return Reply.json(status, Json.MAPPER.writeValueAsBytes(value));
    }
}
