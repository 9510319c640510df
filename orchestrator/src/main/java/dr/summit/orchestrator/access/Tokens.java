package dr.summit.orchestrator.access;

import dr.summit.orchestrator.records.Records;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * API tokens {@code sdr_ID_SECRET}: ID (16 hex digits) names the record {@code orchestrator/tokens/ID},
 * which holds the SHA-256 of SECRET (32 random bytes, base64url); revoking writes
 * {@code orchestrator/tokens-revoked/ID}. A token is shown once, at creation. SHA-256 rather than a slow
 * KDF: the secret has 256 bits of entropy, so there is nothing to brute-force; comparisons are constant-time.
 */
public final class Tokens {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Records records;
    private final Clock clock;
    private final Map<String, TokenRecord> cache = new ConcurrentHashMap<>();

    public Tokens(Records records, Clock clock) {
        this.records = records;
        this.clock = clock;
    }

    /** The new token's record and the token itself (print it once; it is not stored). */
    public record Created(TokenRecord record, String token) {
    }

    public Created create(String name, Role role) {
        if (name == null || !name.matches("[A-Za-z0-9._@-]{1,64}")) {
            throw new IllegalArgumentException("--name must be 1 to 64 letters, digits or . _ @ -");
        }
        byte[] id = new byte[8];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(secret);
        String idHex = HexFormat.of().formatHex(id);
        String secretText = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        TokenRecord record = new TokenRecord(idHex, name, role.label(), sha256(secretText), clock.instant());
        records.put("tokens/" + idHex, record);
        return new Created(record, "sdr_" + idHex + "_" + secretText);
    }

    /** The principal a bearer token stands for, if it is one of ours and not revoked. */
    public Optional<Principal> authenticate(String token) {
        if (token == null || !token.matches("sdr_[0-9a-f]{16}_[A-Za-z0-9_-]{43}")) {
            return Optional.empty();
        }
        String id = token.substring(4, 20);
        String secret = token.substring(21);
        TokenRecord record = cache.get(id);
        if (record == null) {
            if (!records.exists("tokens/" + id)) {
                return Optional.empty();
            }
            record = records.get("tokens/" + id, TokenRecord.class);
        }
        if (!MessageDigest.isEqual(record.sha256().getBytes(StandardCharsets.US_ASCII), sha256(secret).getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        // Revocation is checked on every request (another server or the CLI may have revoked it).
        if (records.exists("tokens-revoked/" + id)) {
            cache.remove(id);
            return Optional.empty();
        }
        cache.put(id, record);
        return Optional.of(new Principal(record.name(), Role.parse(record.role())));
    }

    public List<TokenRecord> list() {
        List<TokenRecord> all = new ArrayList<>();
        for (String name : records.list("tokens/")) {
            all.add(records.get(name, TokenRecord.class));
        }
        return all;
    }

    public boolean revoked(String id) {
        return records.exists("tokens-revoked/" + id);
    }

    /** Revokes by id or name; returns the record revoked. */
    public TokenRecord revoke(String idOrName) {
        List<TokenRecord> matches = list().stream().filter(t -> t.id().equals(idOrName) || t.name().equals(idOrName))
                .filter(t -> !revoked(t.id())).toList();
        if (matches.size() != 1) {
            throw new IllegalArgumentException(matches.isEmpty() ? "no active token with id or name '" + idOrName + "'"
                    : "'" + idOrName + "' names " + matches.size() + " tokens; revoke by id");
        }
        records.put("tokens-revoked/" + matches.get(0).id(), Map.of("revoked", clock.instant().toString()));
        cache.remove(matches.get(0).id());
        return matches.get(0);
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
