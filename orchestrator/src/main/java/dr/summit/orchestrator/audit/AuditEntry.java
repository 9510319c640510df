package dr.summit.orchestrator.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.time.Instant;

/**
 * One audited event: who (token name, role), what (action, target), when, from where, and the result.
 * {@code prev} is the previous entry's hash ("" for the first); {@code hash} covers every other field.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"seq", "time", "actor", "role", "action", "target", "remote", "result", "prev", "hash"})
public record AuditEntry(long seq, Instant time, String actor, String role, String action, String target, String remote,
                         String result, String prev, String hash) {
    AuditEntry withHash(String h) {
        return new AuditEntry(seq, time, actor, role, action, target, remote, result, prev, h);
    }
}
