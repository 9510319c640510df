package dr.summit.monitoring;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One sample line of the Prometheus text format, as {@link DrMetrics#writeText} writes them: enough of
 * a reader to carry a previous run's values over (label values here never hold quotes or escapes).
 */
record ExpositionLine(String name, List<String> labelNames, List<String> labelValues, double value) {
    private static final Pattern LINE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{([^}]*)\\})?\\s+(\\S+)(?:\\s+\\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"\\\\]*)\"");

    /** {@code name{a="x",b="y"}}: the series this line is a sample of. */
    String series() {
        StringBuilder key = new StringBuilder(name);
        if (!labelNames.isEmpty()) {
            key.append('{');
            for (int i = 0; i < labelNames.size(); i++) {
                key.append(i == 0 ? "" : ",").append(labelNames.get(i)).append("=\"").append(labelValues.get(i)).append('"');
            }
            key.append('}');
        }
        return key.toString();
    }

    static List<ExpositionLine> parseAll(String text) {
        List<ExpositionLine> out = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            List<String> names = new ArrayList<>();
            List<String> values = new ArrayList<>();
            if (m.group(2) != null && !m.group(2).isBlank()) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    names.add(l.group(1));
                    values.add(l.group(2));
                }
            }
            double value;
            try {
                value = Double.parseDouble(m.group(3));
            } catch (NumberFormatException e) {
                continue;
            }
            out.add(new ExpositionLine(m.group(1), List.copyOf(names), List.copyOf(values), value));
        }
        return out;
    }
}
