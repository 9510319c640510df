package dr.summit.orchestrator.sources;

import java.util.List;
import java.util.Map;

/** What a restore and its verification found: passed only when every check held; {@code facts} for the report. */
public record RestoreCheck(boolean passed, List<String> problems, Map<String, Object> facts) {
}
