package dr.summit.cli;

import dr.summit.repository.Repository;
import dr.summit.repository.crypto.Credentials;
import dr.summit.repository.crypto.envelope.AgeIdentities;
import dr.summit.repository.crypto.envelope.EnvelopeException;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import dr.summit.repository.store.LocalDirectoryStore;
import dr.summit.repository.store.ObjectStore;
import picocli.CommandLine.Option;

import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;

/** How every command finds the repository and its password (declared once, used by all commands). */
public final class RepositoryOptions {
    @Option(names = {"-r", "--repo"}, paramLabel = "LOCATION",
            description = "Repository location: a directory path, or s3:https://host[:port]/bucket[/prefix] (s3://bucket/prefix for AWS). Default: $SUMMIT_REPOSITORY.")
    String repo;

    @Option(names = "--password-file", paramLabel = "FILE",
            description = "Read the password from FILE (must not be readable by group or others). Default: $SUMMIT_PASSWORD_FILE, then $SUMMIT_PASSWORD, then a prompt.")
    Path passwordFile;

    @Option(names = "--password-command", paramLabel = "COMMAND",
            description = "Run COMMAND (with sh -c) and use the first line it prints as the password, e.g. a secret manager's CLI. Default: $SUMMIT_PASSWORD_COMMAND.")
    String passwordCommand;

    @Option(names = "--age-identity", paramLabel = "FILE",
            description = "Open the repository with an age identity file (an age key slot) instead of the password. Default: $SUMMIT_AGE_IDENTITY.")
    Path ageIdentity;

    @Option(names = "--pgp-secret-key", paramLabel = "FILE",
            description = "Open the repository with an OpenPGP secret key file (an OpenPGP key slot). Default: $SUMMIT_PGP_SECRET_KEY.")
    Path pgpSecretKey;

    @Option(names = "--pgp-passphrase-file", paramLabel = "FILE",
            description = "Passphrase of a protected OpenPGP secret key. Default: $SUMMIT_PGP_PASSPHRASE_FILE.")
    Path pgpPassphraseFile;

    @Option(names = "--skip-damaged",
            description = "Go on although some snapshot cannot be read: choose among the readable ones, and let forget and prune run (prune then keeps whatever the unreadable ones might need).")
    boolean skipDamaged;

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
        Credentials credentials = credentials();
        return configure(Repository.open(store(), credentials, mixee == null ? "summit-dr" : mixee.qualifiedName()));
    }

    /**
     * Warnings reach stderr as they arise (a read-only store that refused the lease, a damaged or
     * foreign object skipped): the command runs, the operator is told.
     */
    private Repository configure(Repository repo) {
        repo.skipDamagedSnapshots(skipDamaged);
        if (mixee != null) {
            PrintWriter err = mixee.commandLine().getErr();
            repo.onWarning(w -> {
                err.println("warning: " + w);
                err.flush();
            });
        }
        return repo;
    }

    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec mixee;

    /** An s3: location given as a backup source or restore target; malformed is a usage error. */
    static dr.summit.repository.store.s3.S3Location parseS3(String location) {
        try {
            return dr.summit.repository.store.s3.S3Location.parse(location);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage(), ExitCodes.USAGE);
        }
    }

    /**
     * Opens without loading the index but holding a lease that prune need not wait for (the WAL
     * agent writes standalone objects only); re-encryption still waits for it.
     */
    Repository openWithWriterLease(String command) {
        Repository repo = openWithoutIndex();
        repo.takeLease(command, false);
        return repo;
    }

    Repository openWithoutIndex() {
        Credentials credentials = credentials();
        return configure(Repository.openWithoutIndex(store(), credentials));
    }

    private Path pathOption(Path option, String envName) {
        if (option != null) {
            return option;
        }
        String fromEnv = env.apply(envName);
        return fromEnv == null || fromEnv.isBlank() ? null : Path.of(fromEnv);
    }

    /**
     * What to open the repository with: an age identity and/or an OpenPGP secret key when given
     * (then the password only if one is given explicitly, never a prompt), else the password.
     */
    Credentials credentials() {
        Path age = pathOption(ageIdentity, "SUMMIT_AGE_IDENTITY");
        Path pgp = pathOption(pgpSecretKey, "SUMMIT_PGP_SECRET_KEY");
        if (age == null && pgp == null) {
            char[] password = password(false);
            try {
                return Credentials.passphrase(password);
            } finally {
                java.util.Arrays.fill(password, '\0');
            }
        }
        AgeIdentities identities = age == null ? null : ageIdentities(age);
        List<PGPSecretKeyRing> rings = pgp == null ? List.of() : pgpSecretKeys(pgp);
        Path pgpPass = pathOption(pgpPassphraseFile, "SUMMIT_PGP_PASSPHRASE_FILE");
        char[] keyPassphrase = pgpPass == null ? null : readSecretFile(pgpPass, "OpenPGP passphrase file");
        char[] password = explicitPassword();
        try {
            return new Credentials(password, identities, rings, keyPassphrase);
        } finally {
            SecretFiles.zero(password);
            SecretFiles.zero(keyPassphrase);
        }
    }

    /**
     * The password given without a prompt, or null. What the operator said most directly wins: an option on the
     * command line, then an environment variable, then the config file; at the same level a password file before
     * a password command, and both before SUMMIT_PASSWORD.
     */
    private char[] explicitPassword() {
        int fileRank = rank(passwordFile, "--password-file");
        int commandRank = rank(passwordCommand, "--password-command");
        String fromEnv = env.apply("SUMMIT_PASSWORD");
        int envRank = fromEnv == null ? 0 : 2;
        if (fileRank > 0 && fileRank >= commandRank && fileRank >= envRank) {
            return readSecretFile(passwordFile, "password file");
        }
        if (commandRank > 0 && commandRank >= envRank) {
            return PasswordCommand.run(passwordCommand, "--password-command");
        }
        if (fromEnv != null) {
            return refuseBlank(fromEnv.toCharArray(), "SUMMIT_PASSWORD");
        }
        String file = env.apply("SUMMIT_PASSWORD_FILE");      // when parsed without the CLI's defaults (tests)
        return file == null ? null : readSecretFile(Path.of(file), "password file");
    }

    /** 3: given on the command line; 2: from the environment; 1: from the config file; 0: not set. */
    private int rank(Object value, String option) {
        if (value == null) {
            return 0;
        }
        if (mixee == null || mixee.commandLine() == null || mixee.commandLine().getParseResult() == null) {
            return 3;
        }
        if (mixee.commandLine().getParseResult().hasMatchedOption(option)) {
            return 3;
        }
        picocli.CommandLine.Model.OptionSpec spec = mixee.findOption(option);
        return spec == null ? 3 : Main.defaults.source(spec).map(s -> s == OptionDefaults.Source.ENVIRONMENT ? 2 : 1).orElse(3);
    }

    static AgeIdentities ageIdentities(Path file) {
        byte[] bytes = SecretFiles.readPrivate(file, "age identity file");
        char[] text = SecretFiles.chars(bytes);
        SecretFiles.zero(bytes);
        try {
            if (!AgeIdentities.looksLikeIdentityFile(text)) {
                throw new CommandFailure("age identity file " + file + " holds no age identity (AGE-SECRET-KEY-1…)");
            }
            return AgeIdentities.parse(text);
        } catch (EnvelopeException e) {
            throw new CommandFailure("age identity file " + file + ": " + e.getMessage());
        } finally {
            SecretFiles.zero(text);
        }
    }

    static List<PGPSecretKeyRing> pgpSecretKeys(Path file) {
        byte[] bytes = SecretFiles.readPrivate(file, "OpenPGP secret key file");
        try {
            return SecretFiles.pgpSecretKeys(bytes, "OpenPGP secret key file " + file);
        } finally {
            SecretFiles.zero(bytes);
        }
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
        char[] given = explicitPassword();
        return given != null ? given : prompt("Repository password: ", confirm);
    }

    private static char[] refuseBlank(char[] password, String source) {
        if (dr.summit.repository.crypto.KeySlot.isBlank(password)) {
            throw new CommandFailure(source + " is empty or only whitespace; such a password is refused", ExitCodes.USAGE);
        }
        return password;
    }

    static char[] prompt(String label, boolean confirm) {
        Console console = System.console();
        if (console == null) {
            throw new CommandFailure("no password given: use --password-file, --password-command, SUMMIT_PASSWORD_FILE or SUMMIT_PASSWORD (no terminal to prompt on)");
        }
        char[] first = console.readPassword(label);
        if (first == null || dr.summit.repository.crypto.KeySlot.isBlank(first)) {
            throw new CommandFailure("an empty or whitespace-only password is refused");
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
            if (Files.isDirectory(file)) {
                throw new CommandFailure(what + " " + file + " is a directory; give the file that holds the password");
            }
            // Links are followed (Kubernetes mounts Secret files as symlinks); the mode that counts is the target's.
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)
                    || perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new CommandFailure(what + " " + file + " is accessible by group or others; run: chmod 600 " + file);
            }
            String text = Files.readString(file, StandardCharsets.UTF_8);
            String firstLine = text.lines().findFirst().orElse("");
            if (firstLine.isBlank()) {
                throw new CommandFailure(what + " " + file + " holds an empty or whitespace-only first line; such a password is refused");
            }
            return firstLine.toCharArray();
        } catch (java.nio.file.NoSuchFileException e) {
            throw new CommandFailure(what + " " + file + " does not exist");
        } catch (IOException e) {
            throw new CommandFailure("cannot read " + what + " " + file + ": " + e.getMessage());
        }
    }
}
