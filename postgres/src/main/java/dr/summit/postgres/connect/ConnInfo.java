package dr.summit.postgres.connect;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A connection string as libpq reads it: either a {@code postgresql://} (or {@code postgres://}) URI
 * or {@code keyword=value} pairs, into the keywords it sets. Later keywords win over earlier ones.
 * Error messages name the keyword or the part of the URI, never a value (it may be a password).
 */
public final class ConnInfo {
    /** Keywords acted on; see {@link PgConnector} for how each reaches pgjdbc. */
    public static final Set<String> SUPPORTED = Set.of("host", "hostaddr", "port", "dbname", "user", "password", "passfile",
            "connect_timeout", "options", "application_name", "fallback_application_name", "sslmode", "requiressl", "sslcert",
            "sslkey", "sslrootcert", "sslpassword", "sslnegotiation", "service", "target_session_attrs", "load_balance_hosts",
            "channel_binding", "require_auth", "gssencmode", "krbsrvname", "keepalives", "replication");
    /** libpq keywords accepted and ignored: they tune what pgjdbc does its own way (or UTF-8 only). */
    public static final Set<String> IGNORED = Set.of("keepalives_idle", "keepalives_interval", "keepalives_count",
            "tcp_user_timeout", "client_encoding", "sslcompression", "sslsni", "gsslib");
    /** libpq keywords summit-dr cannot honour: refused rather than silently dropped. */
    public static final Set<String> UNSUPPORTED = Set.of("sslcrl", "sslcrldir", "sslcertmode", "requirepeer",
            "ssl_min_protocol_version", "ssl_max_protocol_version", "gssdelegation");

    private static final List<String> URI_PREFIXES = List.of("postgresql://", "postgres://");

    private ConnInfo() {
    }

    /** The keywords {@code text} sets, in order; an empty string sets none. */
    public static Map<String, String> parse(String text) {
        if (text == null) {
            return Map.of();
        }
        for (String prefix : URI_PREFIXES) {
            if (text.startsWith(prefix)) {
                return Collections.unmodifiableMap(parseUri(text, prefix.length()));
            }
        }
        if (text.contains("://")) {
            throw new ConnectionSettingsException("--dsn: a URI must start with postgresql:// or postgres://");
        }
        return Collections.unmodifiableMap(parseKeywords(text));
    }

    /** Throws unless libpq knows {@code keyword} and summit-dr can honour it. */
    static void checkKeyword(String keyword, String where) {
        if (UNSUPPORTED.contains(keyword)) {
            throw new ConnectionSettingsException(where + ": connection option \"" + keyword + "\" is not supported by summit-dr");
        }
        if (!SUPPORTED.contains(keyword) && !IGNORED.contains(keyword)) {
            throw new ConnectionSettingsException(where + ": invalid connection option \"" + keyword + "\"");
        }
    }

    private static Map<String, String> parseKeywords(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        int n = s.length();
        while (true) {
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i == n) {
                return out;
            }
            int start = i;
            while (i < n && s.charAt(i) != '=' && !Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            String keyword = s.substring(start, i);
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i == n || s.charAt(i) != '=') {
                throw new ConnectionSettingsException("--dsn: missing \"=\" after \"" + keyword + "\" in connection info string");
            }
            i++;
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            StringBuilder value = new StringBuilder();
            if (i < n && s.charAt(i) == '\'') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = s.charAt(i++);
                    if (c == '\\' && i < n) {
                        value.append(s.charAt(i++));
                    } else if (c == '\'') {
                        closed = true;
                        break;
                    } else {
                        value.append(c);
                    }
                }
                if (!closed) {
                    throw new ConnectionSettingsException("--dsn: unterminated quoted string for \"" + keyword + "\" in connection info string");
                }
            } else {
                while (i < n && !Character.isWhitespace(s.charAt(i))) {
                    char c = s.charAt(i++);
                    if (c == '\\' && i < n) {
                        value.append(s.charAt(i++));
                    } else {
                        value.append(c);
                    }
                }
            }
            checkKeyword(keyword, "--dsn");
            out.put(keyword, value.toString());
        }
    }

    private static Map<String, String> parseUri(String s, int from) {
        Map<String, String> out = new LinkedHashMap<>();
        int n = s.length();
        int i = from;
        int authorityEnd = i;
        while (authorityEnd < n && s.charAt(authorityEnd) != '/' && s.charAt(authorityEnd) != '?') {
            authorityEnd++;
        }
        int at = s.lastIndexOf('@', authorityEnd - 1);
        if (at >= i) {
            String userInfo = s.substring(i, at);
            int colon = userInfo.indexOf(':');
            String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
            if (!user.isEmpty()) {
                out.put("user", decode(user, "the user name"));
            }
            if (colon >= 0) {
                out.put("password", decode(userInfo.substring(colon + 1), "the password"));
            }
            i = at + 1;
        }
        StringBuilder hosts = new StringBuilder();
        StringBuilder ports = new StringBuilder();
        boolean anyHost = false;
        boolean anyPort = false;
        while (true) {
            String host;
            if (i < n && s.charAt(i) == '[') {
                int close = s.indexOf(']', i);
                if (close < 0 || close > authorityEnd) {
                    throw new ConnectionSettingsException("--dsn: no \"]\" after an IPv6 host address in the URI");
                }
                host = s.substring(i + 1, close);
                if (host.isEmpty()) {
                    throw new ConnectionSettingsException("--dsn: an IPv6 host address in the URI is empty");
                }
                i = close + 1;
            } else {
                int start = i;
                while (i < authorityEnd && s.charAt(i) != ':' && s.charAt(i) != ',') {
                    i++;
                }
                host = decode(s.substring(start, i), "a host");
            }
            String port = "";
            if (i < authorityEnd && s.charAt(i) == ':') {
                int start = ++i;
                while (i < authorityEnd && s.charAt(i) != ',') {
                    i++;
                }
                port = decode(s.substring(start, i), "a port");
            } else if (i < authorityEnd && s.charAt(i) != ',') {
                throw new ConnectionSettingsException("--dsn: unexpected character \"" + s.charAt(i) + "\" after a host in the URI");
            }
            anyHost |= !host.isEmpty();
            anyPort |= !port.isEmpty();
            hosts.append(host);
            ports.append(port);
            if (i < authorityEnd && s.charAt(i) == ',') {
                hosts.append(',');
                ports.append(',');
                i++;
                continue;
            }
            break;
        }
        if (anyHost) {
            out.put("host", hosts.toString());
        }
        if (anyPort) {
            out.put("port", ports.toString());
        }
        i = authorityEnd;
        if (i < n && s.charAt(i) == '/') {
            int start = ++i;
            while (i < n && s.charAt(i) != '?') {
                i++;
            }
            String db = decode(s.substring(start, i), "the database name");
            if (!db.isEmpty()) {
                out.put("dbname", db);
            }
        }
        if (i < n && s.charAt(i) == '?') {
            for (String pair : s.substring(i + 1).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq < 0) {
                    throw new ConnectionSettingsException("--dsn: URI query parameter \"" + decode(pair, "a query parameter")
                            + "\" has no \"=\"");
                }
                String key = decode(pair.substring(0, eq), "a query parameter");
                String value = decode(pair.substring(eq + 1), "the value of query parameter \"" + key + "\"");
                if (key.equals("ssl") && value.equals("true")) {
                    // libpq accepts the JDBC spelling.
                    key = "sslmode";
                    value = "require";
                }
                checkKeyword(key, "--dsn");
                out.put(key, value);
            }
        }
        return out;
    }

    /** Percent-decoding as libpq does: %XX only, and never %00. */
    private static String decode(String s, String what) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '%') {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                continue;
            }
            int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
            int lo = i + 2 < s.length() ? Character.digit(s.charAt(i + 2), 16) : -1;
            if (hi < 0 || lo < 0) {
                throw new ConnectionSettingsException("--dsn: invalid percent-encoding in " + what + " of the URI");
            }
            if (hi == 0 && lo == 0) {
                throw new ConnectionSettingsException("--dsn: %00 is not allowed in " + what + " of the URI");
            }
            bytes.write(hi * 16 + lo);
            i += 2;
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
