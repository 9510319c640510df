package dr.summit.postgres.restore;

import dr.summit.repository.RepositoryException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a restored server and waits until recovery reached its target ({@code pg restore
 * --start}): promoted (recovery.signal gone), paused at the target, or shut down — or fails with
 * the server's own last words when recovery stopped early (a missing WAL segment, a target before
 * the backup's end). Runs pg_ctl as the data directory's owner when started as root.
 */
public final class RecoveryRunner {
    private final Path bin;

    public RecoveryRunner(Path bin) {
        this.bin = bin;
    }

    /** Outcome of recovery as seen from outside the server. */
    public enum Outcome { PROMOTED, PAUSED, SHUT_DOWN }

    public Outcome startAndWait(Path pgdata, String action, long timeoutMillis) throws IOException, InterruptedException {
        Path log = pgdata.resolve("summit-dr-recovery.log");
        String owner = Files.getOwner(pgdata).getName();
        List<String> cmd = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name")) && !"root".equals(owner)) {
            cmd.addAll(List.of("runuser", "-u", owner, "--"));
        }
        cmd.addAll(List.of(bin.resolve("pg_ctl").toString(), "-D", pgdata.toString(), "-l", log.toString(), "start"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new RepositoryException("pg_ctl start failed for " + pgdata + ": " + out.trim() + tail(log));
        }
        long deadline = System.currentTimeMillis() + timeoutMillis;
        Path signal = pgdata.resolve("recovery.signal");
        Path pid = pgdata.resolve("postmaster.pid");
        while (System.currentTimeMillis() < deadline) {
            String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            if (!Files.exists(signal) && Files.exists(pid)) {
                return Outcome.PROMOTED;
            }
            if (text.contains("pausing at the end of recovery") || text.contains("recovery has paused")) {
                return Outcome.PAUSED;
            }
            if (!Files.exists(pid) && text.contains("shutting down")) {
                if ("shutdown".equals(action) && !text.contains("FATAL")) {
                    return Outcome.SHUT_DOWN;
                }
                throw new RepositoryException("recovery of " + pgdata + " failed" + tail(log));
            }
            Thread.sleep(200);
        }
        throw new RepositoryException("recovery of " + pgdata + " did not reach its target within "
                + timeoutMillis / 1000 + " s" + tail(log));
    }

    /** The server log's last FATAL/PANIC line, or its last line, for a one-line error. */
    private static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "";
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).contains("FATAL") || lines.get(i).contains("PANIC")) {
                return ": " + lines.get(i).replaceFirst("^.*?(FATAL|PANIC)", "$1");
            }
        }
        return lines.isEmpty() ? "" : ": " + lines.get(lines.size() - 1);
    }
}
