package dr.summit.orchestrator.sources;

import java.time.Instant;
import java.util.List;

/** One backup as the API lists it; {@code id} is the snapshot id (names like the seed's are accepted as ids' prefixes). */
public record BackupInfo(String id, String type, String source, Instant time, long bytes, long files, String host, List<String> tags) {
}
