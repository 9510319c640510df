package dr.summit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The configuration file (TOML): option values by their long name, so that {@code archive_command} and cron
 * lines carry no secret and no repeated flag. Top-level keys apply to every command that has the option; a
 * table named after a command ({@code [backup]}, {@code [pg.backup]}) to that command only; {@code [profiles.NAME]}
 * holds the same two levels and is chosen with {@code --profile} / {@code SUMMIT_PROFILE}; {@code [s3]} sets the
 * S3 store's tuning ({@code maxAttempts}, {@code partSizeMiB}, {@code connectTimeoutMs}, …).
 *
 * <pre>
 * repository = "/backups/repo"
 * password-file = "/etc/summit-dr/password"
 * cluster = "main"
 *
 * [backup]
 * exclude-caches = true
 *
 * [profiles.offsite]
 * repository = "s3:https://minio.example:9000/backups"
 * password-command = "vault kv get -field=password secret/summit-dr"
 * </pre>
 *
 * Where it is: {@code --config FILE}, else {@code SUMMIT_CONFIG}, else {@code ~/.config/summit-dr/config.toml},
 * else {@code /etc/summit-dr/config.toml}; a named file that does not exist is an error, a default location that
 * does not exist is simply no configuration.
 */
final class ConfigFile {
    static final Path SYSTEM = Path.of("/etc/summit-dr/config.toml");

    private final Path path;
    private final JsonNode root;
    private final String profile;

    private ConfigFile(Path path, JsonNode root, String profile) {
        this.path = path;
        this.root = root;
        this.profile = profile;
    }

    static ConfigFile none() {
        return new ConfigFile(null, null, null);
    }

    /**
     * Finds and reads the configuration. {@code explicit} is --config (or null), {@code profile} is --profile
     * (or null); {@code env} gives SUMMIT_CONFIG, SUMMIT_PROFILE and HOME.
     */
    static ConfigFile locate(String explicit, String profile, Function<String, String> env) {
        String named = explicit != null ? explicit : env.apply("SUMMIT_CONFIG");
        String chosenProfile = profile != null ? profile : env.apply("SUMMIT_PROFILE");
        Path file;
        if (named != null && !named.isBlank()) {
            file = Path.of(named);
            if (!Files.isRegularFile(file)) {
                throw new CommandFailure("config file " + file + " does not exist (from " + (explicit != null ? "--config" : "SUMMIT_CONFIG") + ")", ExitCodes.USAGE);
            }
        } else {
            String home = env.apply("HOME");
            Path user = home == null ? null : Path.of(home, ".config", "summit-dr", "config.toml");
            file = user != null && Files.isRegularFile(user) ? user : Files.isRegularFile(SYSTEM) ? SYSTEM : null;
        }
        if (file == null) {
            if (chosenProfile != null && !chosenProfile.isBlank()) {
                throw new CommandFailure("profile '" + chosenProfile + "' asked for, but there is no config file", ExitCodes.USAGE);
            }
            return none();
        }
        return read(file, chosenProfile == null || chosenProfile.isBlank() ? null : chosenProfile);
    }

    static ConfigFile read(Path file, String profile) {
        JsonNode root;
        try {
            root = new TomlMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            // Jackson's message names line and column; the file's values (maybe secrets) are not quoted by us.
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new CommandFailure("config file " + file + " is not valid TOML: " + why, ExitCodes.USAGE);
        }
        if (profile != null && (root.path("profiles").path(profile).getNodeType() != JsonNodeType.OBJECT)) {
            throw new CommandFailure("config file " + file + " has no [profiles." + profile + "] table", ExitCodes.USAGE);
        }
        return new ConfigFile(file, root, profile);
    }

    Optional<Path> path() {
        return Optional.ofNullable(path);
    }

    /** A value found for an option, and where (for messages and precedence). */
    record Value(String text, String where) {
    }

    /**
     * The value for option {@code key} of command {@code commandPath} (e.g. ["pg", "backup"]): the profile's
     * command table, the profile, the top-level command table, the top level — first found.
     */
    Optional<Value> lookup(List<String> commandPath, String key) {
        if (root == null) {
            return Optional.empty();
        }
        List<JsonNode> scopes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        if (profile != null) {
            JsonNode p = root.path("profiles").path(profile);
            scopes.add(table(p, commandPath));
            names.add("[profiles." + profile + (commandPath.isEmpty() ? "" : "." + String.join(".", commandPath)) + "]");
            scopes.add(p);
            names.add("[profiles." + profile + "]");
        }
        scopes.add(table(root, commandPath));
        names.add("[" + String.join(".", commandPath) + "]");
        scopes.add(root);
        names.add("top level");
        for (int i = 0; i < scopes.size(); i++) {
            JsonNode v = scopes.get(i).get(key);
            if (v != null && !v.isObject()) {
                return Optional.of(new Value(scalar(v, key), path + " " + names.get(i)));
            }
        }
        return Optional.empty();
    }

    /** The [s3] table (profile first) as summit.s3.* properties. */
    Map<String, String> s3Properties() {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        if (root == null) {
            return out;
        }
        copyScalars(root.path("s3"), out);
        if (profile != null) {
            copyScalars(root.path("profiles").path(profile).path("s3"), out);
        }
        return out;
    }

    private static void copyScalars(JsonNode table, Map<String, String> into) {
        for (Iterator<Map.Entry<String, JsonNode>> it = table.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isValueNode()) {
                into.put(e.getKey(), e.getValue().asText());
            }
        }
    }

    private static JsonNode table(JsonNode scope, List<String> commandPath) {
        JsonNode t = scope;
        for (String part : commandPath) {
            t = t.path(part);
        }
        return commandPath.isEmpty() ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : t;
    }

    private String scalar(JsonNode v, String key) {
        if (v.isArray()) {
            throw new CommandFailure("config file " + path + ": '" + key + "' takes one value, not a list", ExitCodes.USAGE);
        }
        return v.asText();
    }
}
