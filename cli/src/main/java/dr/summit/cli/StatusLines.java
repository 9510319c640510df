package dr.summit.cli;

import dr.summit.repository.format.Json;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Under --json, a long command reports progress as {@code {"message_type":"status",…}} lines on stdout, one per
 * second at most, before its summary line: what the terminal progress line is for people, for scripts and
 * orchestrators (it is never drawn with --json).
 */
final class StatusLines implements AutoCloseable {
    private static final long INTERVAL_MILLIS = 1000;
    private final Thread thread;
    private volatile boolean running = true;

    private StatusLines(PrintWriter out, Supplier<Map<String, Object>> status) {
        long started = System.nanoTime();
        thread = new Thread(() -> {
            while (running) {
                try {
                    Thread.sleep(INTERVAL_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                if (!running) {
                    return;
                }
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("message_type", "status");
                line.put("seconds_elapsed", (System.nanoTime() - started) / 1_000_000_000L);
                line.putAll(status.get());
                synchronized (out) {
                    try {
                        out.println(Json.MAPPER.writeValueAsString(line));
                    } catch (IOException e) {
                        return;
                    }
                    out.flush();
                }
            }
        }, "summit-status");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts status lines when {@code json}; otherwise returns null (try-with-resources accepts it). */
    static StatusLines start(boolean json, PrintWriter out, Supplier<Map<String, Object>> status) {
        return json ? new StatusLines(out, status) : null;
    }

    /** "percent_done" as restic writes it: a fraction in [0, 1], absent while the total is unknown. */
    static void putFraction(Map<String, Object> line, long done, long total) {
        if (total > 0) {
            line.put("percent_done", Math.min(1.0, done / (double) total));
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
