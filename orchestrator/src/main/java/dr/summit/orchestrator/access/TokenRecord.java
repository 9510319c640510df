package dr.summit.orchestrator.access;

import java.time.Instant;

/** A token as stored: its id, name, role and the SHA-256 of its secret (never the secret). */
public record TokenRecord(String id, String name, String role, String sha256, Instant created) {
}
