package dr.summit.orchestrator.schedule;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One configured schedule: what it runs ({@code backup} of a files, PostgreSQL or Neo4j source, a {@code drill} scenario or the
 * rolling {@code verify}) and when (UNIX cron in a time zone). Pure: no I/O, so its times are tested directly.
 * Its {@link #id()} marks the jobs it starts ({@code requestedBy = "schedule:ID"}), which is how its state is
 * found again in the repository after a restart.
 */
public final class Schedule {
    public static final List<String> KINDS = List.of("backup", "drill", "verify");
    private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private final String id;
    private final String kind;
    private final String source;
    private final String scenario;
    private final int slicePercent;
    private final String cron;
    private final ZoneId zone;
    private final boolean catchUp;
    private final ExecutionTime times;

    private Schedule(String id, String kind, String source, String scenario, int slicePercent, String cron, ZoneId zone, boolean catchUp) {
        this.catchUp = catchUp;
        this.id = id;
        this.kind = kind;
        this.source = source;
        this.scenario = scenario;
        this.slicePercent = slicePercent;
        this.cron = cron;
        this.zone = zone;
        this.times = ExecutionTime.forCron(UNIX.parse(cron));
    }

    /**
     * Checks one {@code [[schedules]]} entry; a bad one is an IllegalArgumentException naming the key. With no
     * {@code cron}, the seed's times apply: backups daily 02:00 (Neo4j hourly), drills weekly (Sunday 03:00), verify
     * daily 04:00. {@code catchUp} (null: true for backups, false for drills and verify): after the server was down at
     * a due time, run once at start instead of waiting for the next one.
     */
    public static Schedule of(String name, String kind, String source, String scenario, String slice, String cron, String timezone,
                              Boolean catchUp) {
        if (kind == null || !KINDS.contains(kind)) {
            throw new IllegalArgumentException("[[schedules]] kind must be one of " + KINDS + (kind == null ? "" : "; got '" + kind + "'"));
        }
        if (kind.equals("backup") && (source == null || !source.matches("(files|postgres|neo4j):.+"))) {
            throw new IllegalArgumentException("[[schedules]] kind = \"backup\" needs source = \"files:NAME\", \"postgres:NAME\" or \"neo4j:NAME\""
                    + " (a [[files]], [[postgres]] or [[neo4j]] source)" + (source == null ? "" : "; got '" + source + "'"));
        }
        if (kind.equals("drill") && scenario == null) {
            throw new IllegalArgumentException("[[schedules]] kind = \"drill\" needs scenario (e.g. \"backup-validation\")");
        }
        int percent = 0;
        if (kind.equals("verify")) {
            percent = slicePercent(slice == null ? "10%" : slice);
        } else if (slice != null) {
            throw new IllegalArgumentException("[[schedules]] slice applies to kind = \"verify\" only");
        }
        String expr = cron != null ? cron.trim() : switch (kind) {
            case "backup" -> source.startsWith("neo4j:") ? "0 * * * *" : "0 2 * * *";
            case "drill" -> "0 3 * * 0";
            default -> "0 4 * * *";
        };
        try {
            UNIX.parse(expr).validate();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("[[schedules]] cron '" + expr + "' is not a UNIX cron expression (minute hour day month weekday): "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        ZoneId zone;
        try {
            zone = timezone == null ? ZoneId.of("UTC") : ZoneId.of(timezone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("[[schedules]] timezone '" + timezone + "' is not a time zone (e.g. UTC, Europe/Berlin)");
        }
        String id = name != null ? name : kind + "-" + (source != null ? source : scenario != null ? scenario : "rolling");
        id = id.replace(':', '-');
        if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("[[schedules]] name '" + id + "' may hold letters, digits, '.', '_' and '-' only");
        }
        return new Schedule(id, kind, source, scenario, percent, expr, zone, catchUp != null ? catchUp : kind.equals("backup"));
    }

    /** {@link #of(String, String, String, String, String, String, String, Boolean)} with catchUp's default. */
    public static Schedule of(String name, String kind, String source, String scenario, String slice, String cron, String timezone) {
        return of(name, kind, source, scenario, slice, cron, timezone, null);
    }

    /** "10%" or "10" → 10; a slice must be 1 to 100 percent. */
    static int slicePercent(String slice) {
        String s = slice.trim().endsWith("%") ? slice.trim().substring(0, slice.trim().length() - 1) : slice.trim();
        try {
            int p = Integer.parseInt(s.trim());
            if (p >= 1 && p <= 100) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("[[schedules]] slice must be a percentage from 1% to 100%; got '" + slice + "'");
    }

    /** The first due time strictly after {@code t}. */
    public Optional<Instant> nextAfter(Instant t) {
        return times.nextExecution(ZonedDateTime.ofInstant(t, zone)).map(ZonedDateTime::toInstant);
    }

    /** Due times in {@code (from, to]}, oldest first; at most {@code limit} (the oldest ones). */
    public List<Instant> dueBetween(Instant from, Instant to, int limit) {
        List<Instant> due = new ArrayList<>();
        Optional<Instant> t = nextAfter(from);
        while (t.isPresent() && !t.get().isAfter(to) && due.size() < limit) {
            due.add(t.get());
            t = nextAfter(t.get());
        }
        return due;
    }

    public String id() {
        return id;
    }

    public String kind() {
        return kind;
    }

    public String source() {
        return source;
    }

    public String scenario() {
        return scenario;
    }

    public int slicePercent() {
        return slicePercent;
    }

    public String cron() {
        return cron;
    }

    public ZoneId zone() {
        return zone;
    }

    /** Whether a run missed while no server was running is made up for at start. */
    public boolean catchUp() {
        return catchUp;
    }

    /** The requestedBy of the jobs this schedule starts. */
    public String requester() {
        return "schedule:" + id;
    }
}
