package dr.summit.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import dr.summit.repository.format.Json;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;

/** {@code --json}: machine-readable output with stable field names (README, "JSON output"). */
public final class OutputOptions {
    @Option(names = "--json", description = "Print machine-readable JSON instead of text.")
    boolean json;

    /**
     * A JSON object whose keys keep the order given ({@code Map.of} has none, and scripts diffing two runs'
     * output would see keys move).
     */
    static java.util.Map<String, Object> object(Object... keysAndValues) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    /**
     * The final report of a long command (backup, restore, verify, prune) under --json: one line, marked
     * {@code "message_type":"summary"}, after any {@code "status"} lines ({@link StatusLines}) — the NDJSON stream
     * restic users parse. A script reads the last line, or every line and picks by message_type.
     */
    static void printSummary(PrintWriter out, java.util.Map<String, Object> report) {
        java.util.Map<String, Object> line = new java.util.LinkedHashMap<>();
        line.put("message_type", "summary");
        line.putAll(report);
        synchronized (out) {
            try {
                out.println(Json.MAPPER.writeValueAsString(line));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            out.flush();
        }
    }

    /** One compact JSON object on its own line (NDJSON), not flushed: for streams of many lines. */
    static void printLine(PrintWriter out, Object value) {
        try {
            out.println(Json.MAPPER.writeValueAsString(value));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void printJson(PrintWriter out, Object value) {
        try {
            out.println(Json.MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value));
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
