package dr.summit.repository.lease;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Who this process is, precisely enough to tell later whether the holder of a lease written on
 * this machine is still running: the host name alone is not enough (containers share names, pids
 * are reused after a reboot or in another pid namespace), so a lease also records the kernel's
 * boot id, the pid namespace and the process's start time.
 */
public final class LocalProcesses {
    private LocalProcesses() {
    }

    /** "BOOT-ID/pid:[NNN]" on Linux; null where either cannot be read (then no lease is ever judged stale). */
    public static String machineScope() {
        try {
            String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
            String pidNamespace = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
            return boot.isEmpty() ? null : boot + "/" + pidNamespace;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }

    /** Start time of this process in milliseconds since the epoch, or null when unknown. */
    public static Long startMillis(long pid) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        return handle.flatMap(h -> h.info().startInstant()).map(Instant::toEpochMilli).orElse(null);
    }

    /**
     * Whether the process that wrote {@code lease} certainly no longer runs: the lease was written
     * in this machine scope and its pid is gone, or now belongs to a process started at another time.
     */
    public static boolean holderIsGone(Lease lease, String scope) {
        if (scope == null || lease.scope() == null || !scope.equals(lease.scope()) || lease.pid() <= 0) {
            return false;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(lease.pid());
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return true;
        }
        Long started = handle.get().info().startInstant().map(Instant::toEpochMilli).orElse(null);
        // Start times are read with clock-tick resolution: allow a second before calling it another process.
        return lease.pidStart() != null && started != null && Math.abs(started - lease.pidStart()) > 1000;
    }
}
