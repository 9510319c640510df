package dr.summit.orchestrator.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dr.summit.http.HttpError;
import dr.summit.orchestrator.records.Json;

import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.stream.Collectors;

/** Request bodies: the seed's fields plus the PITR targets of 'pg restore'; parsing errors name the field. */
final class Bodies {
    private Bodies() {
    }

    /**
     * POST /api/v1/recovery/*: seed fields, PITR targets (untilTx: Neo4j's last transaction), the source (when
     * several), where to restore (a directory; Neo4j restores into its configured database) and force (Neo4j:
     * replace a non-empty database).
     */
    record Recovery(String backupId, String targetTime, String targetLsn, String targetXid, String targetName,
                    Long untilTx, Boolean includeIncrementals, Boolean dryRun, String source, String target, Boolean force) {
        boolean dry() {
            return Boolean.TRUE.equals(dryRun);
        }

        Instant time() {
            return instant("targetTime", targetTime);
        }
    }

    /** POST /api/v1/drills/run. */
    record Drill(String scenario, Boolean dryRun, String source) {
    }

    /** POST /api/v1/backups: type files, postgres or neo4j; source NAME or KIND:NAME (either may be left out when one source fits). */
    record Backup(String type, String source) {
    }

    static <T> T parse(byte[] body, Class<T> type) {
        if (body.length == 0) {
            body = "{}".getBytes();
        }
        try {
            return Json.MAPPER.readValue(body, type);
        } catch (UnrecognizedPropertyException e) {
            throw HttpError.badField(e.getPropertyName(), "unknown field '" + e.getPropertyName() + "' (known: "
                    + e.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")");
        } catch (JsonParseException e) {
            throw HttpError.badRequest("malformed JSON at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (JsonMappingException e) {
            String field = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining("."));
            if (field.isEmpty()) {
                throw HttpError.badRequest("the body must be a JSON object");
            }
            throw HttpError.badField(field, "field '" + field + "' has the wrong type");
        } catch (IOException e) {
            throw HttpError.badRequest("unreadable body: " + e.getMessage());
        }
    }

    static Instant instant(String field, String value) {
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw HttpError.badField(field, field + " must be an ISO-8601 time with offset, e.g. 2025-11-20T14:30:00Z; got '" + value + "'");
        }
    }
}
