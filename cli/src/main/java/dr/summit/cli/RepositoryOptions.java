package dr.summit.cli;

import dr.summit.repository.Repository;
import dr.summit.repository.store.LocalDirectoryStore;
import dr.summit.repository.store.ObjectStore;
import picocli.CommandLine.Option;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/** How every command finds the repository and its password (declared once, used by all commands). */
public final class RepositoryOptions {
    @Option(names = {"-r", "--repo"}, paramLabel = "LOCATION",
            description = "Repository location: a directory path, or s3:https://host[:port]/bucket[/prefix] (s3://bucket/prefix for AWS). Default: $SUMMIT_REPOSITORY.")
    String repo;

    @Option(names = "--password-file", paramLabel = "FILE",
            description = "Read the password from FILE (must not be readable by group or others). Default: $SUMMIT_PASSWORD_FILE, then $SUMMIT_PASSWORD, then a prompt.")
    Path passwordFile;

    /** Environment lookup; tests replace it to avoid touching the real environment. */
    static java.util.function.Function<String, String> env = System::getenv;

    String location() {
        String location = repo != null ? repo : env.apply("SUMMIT_REPOSITORY");
        if (location == null || location.isBlank()) {
            throw new CommandFailure("no repository given: use --repo LOCATION or set SUMMIT_REPOSITORY", ExitCodes.USAGE);
        }
        return location;
    }

    ObjectStore store() {
        String location = location();
        if (dr.summit.repository.store.s3.S3Location.isS3(location)) {
            // s3:https://HOST[:PORT]/BUCKET[/PREFIX] or s3://BUCKET[/PREFIX]; credentials from the AWS SDK's
            // default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, ...).
            if (System.getProperty("slf4j.internal.verbosity") == null) {
                // The SDK logs through SLF4J and the CLI bundles no SLF4J provider (its logs are not for
                // operators); without this SLF4J prints a three-line warning on stderr at first use.
                System.setProperty("slf4j.internal.verbosity", "ERROR");
            }
            try {
                return dr.summit.repository.store.s3.S3ObjectStore.open(dr.summit.repository.store.s3.S3Location.parse(location));
            } catch (IllegalArgumentException e) {
                // A malformed location or summit.s3.* property: a usage error, like any invalid option value.
                throw new CommandFailure(e.getMessage(), ExitCodes.USAGE);
            }
        }
        return new LocalDirectoryStore(Path.of(location));
    }

    Repository open() {
        ObjectStore store = store();
        return Repository.open(store, password(false));
    }

    Repository openWithoutIndex() {
        return Repository.openWithoutIndex(store(), password(false));
    }

    /** The password file in effect (option or SUMMIT_PASSWORD_FILE), or null. */
    Path passwordFileOrNull() {
        if (passwordFile != null) {
            return passwordFile;
        }
        String fromEnv = env.apply("SUMMIT_PASSWORD_FILE");
        return fromEnv == null ? null : Path.of(fromEnv);
    }

    char[] password(boolean confirm) {
        Path file = passwordFile;
        if (file == null && env.apply("SUMMIT_PASSWORD_FILE") != null) {
            file = Path.of(env.apply("SUMMIT_PASSWORD_FILE"));
        }
        if (file != null) {
            return readSecretFile(file, "password file");
        }
        String fromEnv = env.apply("SUMMIT_PASSWORD");
        if (fromEnv != null) {
            return fromEnv.toCharArray();
        }
        return prompt("Repository password: ", confirm);
    }

    static char[] prompt(String label, boolean confirm) {
        Console console = System.console();
        if (console == null) {
            throw new CommandFailure("no password given: use --password-file, SUMMIT_PASSWORD_FILE or SUMMIT_PASSWORD (no terminal to prompt on)");
        }
        char[] first = console.readPassword(label);
        if (first == null || first.length == 0) {
            throw new CommandFailure("empty password");
        }
        if (confirm) {
            char[] second = console.readPassword("Again: ");
            if (!java.util.Arrays.equals(first, second)) {
                throw new CommandFailure("passwords do not match");
            }
        }
        return first;
    }

    /**
     * Reads a secret from a file, refusing files that group or others can read (as ssh does with
     * private keys): a secret in a world-readable file is already leaked.
     */
    static char[] readSecretFile(Path file, String what) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)
                    || perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new CommandFailure(what + " " + file + " is accessible by group or others; run: chmod 600 " + file);
            }
            String text = Files.readString(file, StandardCharsets.UTF_8);
            String firstLine = text.lines().findFirst().orElse("");
            if (firstLine.isEmpty()) {
                throw new CommandFailure(what + " " + file + " is empty");
            }
            return firstLine.toCharArray();
        } catch (java.nio.file.NoSuchFileException e) {
            throw new CommandFailure(what + " " + file + " does not exist");
        } catch (IOException e) {
            throw new CommandFailure("cannot read " + what + " " + file + ": " + e.getMessage());
        }
    }
}
