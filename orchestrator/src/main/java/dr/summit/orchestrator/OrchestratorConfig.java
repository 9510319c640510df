package dr.summit.orchestrator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The server's config file (TOML, like the CLI's): the sources it recovers and drills, and where drills
 * restore to and write reports. Example:
 * <pre>
 * listen = "127.0.0.1:9000"
 * scratchDir = "/var/tmp/summit-dr/drills"
 * reportDir = "/var/lib/summit-dr/reports"
 * [[files]]
 * name = "uploads"
 * path = "/srv/uploads"
 * [[postgres]]
 * name = "main"
 * cluster = "main"
 * dsn = "host=/var/run/postgresql user=postgres dbname=postgres"   # base backups: libpq string (socket, peer auth)
 * pgdata = "/var/lib/postgresql/15/main"    # base backups read it; absent: the server restores and drills only
 * restoreCommand = "/opt/summit-dr/summit-dr pg wal-fetch %f %p --cluster main --repo /backup --password-file /etc/summit-dr/pw"
 * pgBin = "/usr/lib/postgresql/15/bin"   # drills start the restored cluster with these binaries
 * [[neo4j]]
 * name = "graph"
 * uri = "bolt://db1:7687"                   # where POST /api/v1/recovery/neo4j restores to
 * user = "neo4j"
 * password-file = "/etc/summit-dr/neo4j-pw" # absent: no authentication
 * database = "neo4j"                        # default neo4j; also selects the backups
 * drill-uri = "bolt://scratch:7687"         # a scratch Neo4j whose database drills replace (same user/password)
 * fullEvery = "7d"                          # a backup is a full once the last full is this old (as neo4j backup --full-every)
 * [[webhooks]]
 * url = "https://hooks.slack.com/services/…"
 * format = "slack"                          # json (default), slack or pagerduty (then routingKey = "…")
 * on = ["failure", "success"]               # default: failure (also told of missed schedules)
 * [[schedules]]
 * kind = "backup"                           # backup (of a [[files]], [[postgres]] or [[neo4j]] source), drill or verify
 * source = "postgres:main"                  # or "files:uploads", "neo4j:graph"
 * cron = "0 2 * * *"                        # UNIX cron; default: backup 02:00 daily (Neo4j hourly), drill Sunday 03:00, verify 04:00 daily
 * catchUp = true                            # run once at start after a missed due time (default: backups yes, drills/verify no)
 * [[schedules]]
 * kind = "drill"
 * scenario = "backup-validation"
 * [[schedules]]
 * kind = "verify"
 * slice = "10%"                             # rolling verify: every pack read once per ceil(100/slice) runs
 * timezone = "Europe/Berlin"                # of the cron times; default UTC
 * </pre>
 * With no file, every files snapshot in the repository is one source named "files" and PostgreSQL
 * clusters are not recovered (they need a restore command).
 */
public record OrchestratorConfig(String listen, String scratchDir, String reportDir, List<FilesEntry> files,
                                 List<PostgresEntry> postgres, List<dr.summit.orchestrator.notify.Webhook> webhooks,
                                 List<Neo4jEntry> neo4j, List<ScheduleEntry> schedules) {
    public record FilesEntry(String name, String path) {
    }

    /** A PostgreSQL cluster: restored and drilled with restoreCommand/pgBin; backed up by the server when pgdata is set. */
    public record PostgresEntry(String name, String cluster, String restoreCommand, String pgBin, String dsn, String pgdata) {
        public PostgresEntry(String name, String cluster, String restoreCommand, String pgBin) {
            this(name, cluster, restoreCommand, pgBin, null, null);
        }
    }

    /**
     * A Neo4j database: its backups (by database name), where recoveries and drills restore to, and how old the last
     * full may grow before the server's next backup is a full ({@code fullEvery}, as {@code neo4j backup --full-every}).
     */
    public record Neo4jEntry(String name, String uri, String user,
                             String passwordFile,
                             String database,
                             String drillUri,
                             String fullEvery) {
        /** neo4j backup's --full-every default. */
        public static final String DEFAULT_FULL_EVERY = "7d";

        public Neo4jEntry {
            user = user == null ? "neo4j" : user;
            database = database == null ? "neo4j" : database;
            fullEvery = fullEvery == null ? DEFAULT_FULL_EVERY : fullEvery;
            try {
                dr.summit.neo4j.backup.BackupDuration.parse(fullEvery);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("[[neo4j]] " + (name == null ? "" : "'" + name + "' ") + "fullEvery '" + fullEvery
                        + "': " + e.getMessage());
            }
        }

        public Neo4jEntry(String name, String uri, String user, String passwordFile, String database, String drillUri) {
            this(name, uri, user, passwordFile, database, drillUri, null);
        }

        public java.time.Duration fullEveryDuration() {
            return dr.summit.neo4j.backup.BackupDuration.parse(fullEvery);
        }
    }

    /** One {@code [[schedules]]} entry as written; {@link #schedule()} checks it. */
    public record ScheduleEntry(String name, String kind, String source, String scenario, String slice, String cron, String timezone,
                                Boolean catchUp) {
        public ScheduleEntry(String name, String kind, String source, String scenario, String slice, String cron, String timezone) {
            this(name, kind, source, scenario, slice, cron, timezone, null);
        }

        public dr.summit.orchestrator.schedule.Schedule schedule() {
            return dr.summit.orchestrator.schedule.Schedule.of(name, kind, source, scenario, slice, cron, timezone, catchUp);
        }
    }

    public OrchestratorConfig {
        neo4j = neo4j == null ? List.of() : List.copyOf(neo4j);
        schedules = schedules == null ? List.of() : List.copyOf(schedules);
        files = files == null ? List.of() : List.copyOf(files);
        postgres = postgres == null ? List.of() : List.copyOf(postgres);
        webhooks = webhooks == null ? List.of() : List.copyOf(webhooks);
    }

    public OrchestratorConfig(String listen, String scratchDir, String reportDir, List<FilesEntry> files, List<PostgresEntry> postgres) {
        this(listen, scratchDir, reportDir, files, postgres, List.of(), List.of(), List.of());
    }

    public OrchestratorConfig(String listen, String scratchDir, String reportDir, List<FilesEntry> files, List<PostgresEntry> postgres,
                              List<dr.summit.orchestrator.notify.Webhook> webhooks) {
        this(listen, scratchDir, reportDir, files, postgres, webhooks, List.of(), List.of());
    }

    public OrchestratorConfig withNeo4j(List<Neo4jEntry> entries) {
        return new OrchestratorConfig(listen, scratchDir, reportDir, files, postgres, webhooks, entries, schedules);
    }

    /**
     * This config without its schedules: for commands that use the orchestrator's services once ({@code drill run}), which
     * must not act as a scheduler (count the runs a server missed, notify webhooks of them).
     */
    public OrchestratorConfig withoutSchedules() {
        return new OrchestratorConfig(listen, scratchDir, reportDir, files, postgres, webhooks, neo4j, List.of());
    }

    public static OrchestratorConfig defaults() {
        return new OrchestratorConfig(null, null, null, List.of(), List.of(), List.of(), List.of(), List.of());
    }

    /** The checked schedules; a bad entry or two with the same name is an IllegalArgumentException. */
    public List<dr.summit.orchestrator.schedule.Schedule> checkedSchedules() {
        List<dr.summit.orchestrator.schedule.Schedule> list = new java.util.ArrayList<>();
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (ScheduleEntry e : schedules) {
            dr.summit.orchestrator.schedule.Schedule s = e.schedule();
            if (s.kind().equals("backup")) {
                checkBackupSource(s.source());
            }
            if (!ids.add(s.id())) {
                throw new IllegalArgumentException("[[schedules]] two schedules are named '" + s.id() + "'; give one a name = \"…\"");
            }
            if (s.kind().equals("verify") && list.stream().anyMatch(o -> o.kind().equals("verify"))) {
                throw new IllegalArgumentException("[[schedules]] only one verify schedule: its runs share one cycle");
            }
            list.add(s);
        }
        return list;
    }

    /** A scheduled backup's source must be configured, and a PostgreSQL one must say where its data directory is. */
    private void checkBackupSource(String source) {
        String name = source.substring(source.indexOf(':') + 1);
        boolean found = switch (source.substring(0, source.indexOf(':'))) {
            case "files" -> files.stream().anyMatch(f -> f.name().equals(name));
            case "neo4j" -> neo4j.stream().anyMatch(n -> n.name().equals(name));
            default -> {
                PostgresEntry p = postgres.stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
                if (p != null && p.pgdata() == null) {
                    throw new IllegalArgumentException("[[schedules]] source '" + source + "': its [[postgres]] entry needs pgdata (and dsn unless "
                            + "the default socket as the server's user reaches it) for the server to take base backups");
                }
                yield p != null;
            }
        };
        if (!found) {
            throw new IllegalArgumentException("[[schedules]] source '" + source + "' names no [[" + source.substring(0, source.indexOf(':')) + "]] source");
        }
    }

    /** Top-level keys holding arrays of tables (sources, webhooks). */
    private static final java.util.Set<String> SOURCE_ARRAYS = java.util.Set.of("files", "postgres", "neo4j", "webhooks");

    /** Reads a config file; an unknown key or a malformed value is one line naming the key and the file. */
    public static OrchestratorConfig read(Path file) {
        return read(file, java.util.Set.of());
    }

    /**
     * Every multi-word key takes both spellings: kebab-case, as summit-dr's own options are written in
     * the same file ({@code password-file}), and camelCase ({@code scratchDir}, {@code catchUp}), so an
     * operator never has to remember which table uses which. Setting both spellings of one key is an error.
     */
    static void camelCaseKeys(com.fasterxml.jackson.databind.JsonNode node, java.util.Map<String, String> written) {
        if (node instanceof com.fasterxml.jackson.databind.node.ObjectNode object) {
            List<String> names = new java.util.ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                com.fasterxml.jackson.databind.JsonNode value = object.get(name);
                camelCaseKeys(value, written);
                String camel = camelCase(name);
                if (!camel.equals(name)) {
                    if (object.has(camel)) {
                        throw new IllegalArgumentException("both '" + name + "' and '" + camel + "' are set; they are the same key");
                    }
                    object.remove(name);
                    object.set(camel, value);
                    written.put(camel, name);
                }
            }
        } else if (node != null && node.isArray()) {
            node.forEach(element -> camelCaseKeys(element, written));
        }
    }

    static String camelCase(String key) {
        StringBuilder out = new StringBuilder(key.length());
        boolean upper = false;
        for (char c : key.toCharArray()) {
            if (c == '-' && out.length() > 0) {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }

    /**
     * Reads the orchestrator's keys from a config file that also holds other readers' top-level keys
     * ({@code othersKeys}: the CLI's option keys and command tables, which share summit-dr's one config file);
     * any other unknown key is still an error, so a typo is not silently ignored.
     */
    public static OrchestratorConfig read(Path file, java.util.Set<String> othersKeys) {
        TomlMapper toml = TomlMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        java.util.Map<String, String> written = new java.util.HashMap<>();   // camelCase → as the file spells it
        try {
            com.fasterxml.jackson.databind.JsonNode tree = toml.readTree(Files.readAllBytes(file));
            if (tree instanceof com.fasterxml.jackson.databind.node.ObjectNode object) {
                for (String key : othersKeys) {
                    // 'neo4j' is both a CLI command (whose option table is [neo4j]) and our [[neo4j]] sources: an array is ours
                    if (!(SOURCE_ARRAYS.contains(key) && object.path(key).isArray())) {
                        object.remove(key);
                    }
                }
            }
            try {
                camelCaseKeys(tree, written);
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException(file + ": " + bad.getMessage());
            }
            OrchestratorConfig c = toml.treeToValue(tree, OrchestratorConfig.class);
            for (FilesEntry f : c.files()) {
                if (f.name() == null || f.path() == null) {
                    throw new IllegalArgumentException(file + ": every [[files]] needs name and path");
                }
            }
            for (Neo4jEntry n : c.neo4j()) {
                if (n.name() == null || n.uri() == null) {
                    throw new IllegalArgumentException(file + ": every [[neo4j]] needs name and uri");
                }
            }
            for (PostgresEntry p : c.postgres()) {
                if (p.name() == null || p.cluster() == null) {
                    throw new IllegalArgumentException(file + ": every [[postgres]] needs name and cluster");
                }
            }
            try {
                c.checkedSchedules();
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException(file + ": " + bad.getMessage());
            }
            return c;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("config file " + file + " does not exist");
        } catch (com.fasterxml.jackson.databind.exc.ValueInstantiationException e) {
            throw new IllegalArgumentException(file + ": " + (e.getCause() != null ? e.getCause().getMessage() : e.getOriginalMessage()));
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException(file + ": unknown key '" + written.getOrDefault(e.getPropertyName(), e.getPropertyName()) + "' (known: "
                    + e.getKnownPropertyIds() + ")");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage().lines().findFirst().orElse("unreadable"));
        }
    }
}
