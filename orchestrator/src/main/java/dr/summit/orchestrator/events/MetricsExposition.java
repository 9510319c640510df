package dr.summit.orchestrator.events;

import java.io.IOException;
import java.io.OutputStream;

/** The body of {@code GET /metrics} (Prometheus text format); module monitoring provides the real one. */
public interface MetricsExposition {
    String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    void write(OutputStream out) throws IOException;
}
