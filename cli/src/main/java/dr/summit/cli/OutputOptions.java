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

    static void printJson(PrintWriter out, Object value) {
        try {
            out.println(Json.MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value));
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
