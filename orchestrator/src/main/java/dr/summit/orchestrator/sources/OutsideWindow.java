package dr.summit.orchestrator.sources;

import java.time.Instant;
import java.util.List;

/** A target no backup (and WAL) can reach (422, with the windows that can be reached). */
public final class OutsideWindow extends RuntimeException {
    public record Window(Instant from, Instant to) {
    }

    private final List<Window> windows;

    public OutsideWindow(String message, List<Window> windows) {
        super(message, null, false, false);
        this.windows = List.copyOf(windows);
    }

    public List<Window> windows() {
        return windows;
    }
}
