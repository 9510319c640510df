package dr.summit.cli;

import java.io.PrintStream;
import java.util.function.Supplier;

/**
 * A one-line progress display on stderr, redrawn four times a second — only when attached to a
 * terminal, so logs and pipes never see control characters.
 */
final class Progress implements AutoCloseable {
    private final Thread thread;
    private final PrintStream err = System.err;
    private volatile boolean running = true;

    private Progress(Supplier<String> line) {
        thread = new Thread(() -> {
            while (running) {
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
                String text = line.get();
                err.print("\r\033[K" + text);
                err.flush();
            }
        }, "summit-progress");
        thread.setDaemon(true);
        thread.start();
    }

    /** Whether this run may draw progress: set once per run by {@link Main} (see {@link #decide}). */
    static volatile boolean enabled;

    /**
     * Progress is drawn on stderr, so it is stderr that must be a terminal (not stdin/stdout, which is what
     * {@code System.console()} checks: {@code 2>file} with a terminal on stdout would fill the file with escape
     * sequences); never with {@code --json} (a machine reads the output) or {@code --quiet}.
     */
    static boolean decide(String[] args) {
        boolean asked = true;
        for (String arg : args) {
            if (arg.equals("--")) {
                break;
            }
            if (arg.equals("--json") || arg.equals("--quiet") || arg.equals("-q")) {
                asked = false;
            }
        }
        return asked && stderrIsTerminal();
    }

    static boolean stderrIsTerminal() {
        try {
            String target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return false;   // not Linux, or no /proc: no progress rather than escape codes in a file
        }
    }

    /** Starts a display if this run may draw one (see {@link #decide}); otherwise a no-op. */
    static Progress start(Supplier<String> line) {
        return enabled ? new Progress(line) : null;
    }

    static String line(long files, long bytes, long startedNanos, long totalBytes) {
        return files + " files, " + bytes(bytes, startedNanos, totalBytes);
    }

    /** "12.0 MiB of 1.0 GiB, 80.0 MiB/s, ETA 12.6 s" (no total: no "of", no ETA). */
    static String bytes(long bytes, long startedNanos, long totalBytes) {
        long millis = Math.max(1, (System.nanoTime() - startedNanos) / 1_000_000);
        String eta = "";
        if (totalBytes > 0 && bytes > 0 && bytes < totalBytes) {
            long remainingMillis = (long) ((totalBytes - bytes) * (double) millis / bytes);
            eta = ", ETA " + Sizes.duration(remainingMillis);
        }
        String of = totalBytes > 0 ? " of " + Sizes.bytes(totalBytes) : "";
        return Sizes.bytes(bytes) + of + ", " + Sizes.rate(bytes, millis) + eta;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        err.print("\r\033[K");
        err.flush();
    }
}
