package dr.summit.cli;

import dr.summit.repository.crypto.envelope.AgeEnvelope;
import dr.summit.repository.crypto.envelope.AgeIdentities;
import dr.summit.repository.crypto.envelope.AgeKeys;
import dr.summit.repository.crypto.envelope.EnvelopeException;
import dr.summit.repository.crypto.envelope.EnvelopeFormat;
import dr.summit.repository.crypto.envelope.PgpEnvelope;
import dr.summit.repository.crypto.envelope.PgpKeys;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code summit-dr crypt}: standalone encryption of any file or stream in the age and OpenPGP
 * formats, readable by the {@code age} and {@code gpg} tools and the other way round. Options follow
 * age's habits. The format code lives in {@code dr.summit.repository.crypto.envelope}; this class
 * parses options, applies the key-file rules and stages output files.
 */
@Command(name = "crypt", description = "Encrypt and decrypt files and streams as age or OpenPGP (interoperable with age and gpg).",
        subcommands = {CryptCommand.Encrypt.class, CryptCommand.Decrypt.class, CryptCommand.Keygen.class},
        footer = {"", "Passphrases are read from the first line of a file (mode 600): -p FILE, or $SUMMIT_CRYPT_PASSPHRASE_FILE."})
final class CryptCommand implements Runnable {
    static final String PASSPHRASE_ENV = "SUMMIT_CRYPT_PASSPHRASE_FILE";

    /** Standard streams and environment; tests replace them to run the command in-process. */
    static Supplier<InputStream> stdin = () -> System.in;
    static Supplier<OutputStream> stdout = () -> System.out;
    static Function<String, String> env = System::getenv;

    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code -p/--passphrase-file}, falling back to {@code $SUMMIT_CRYPT_PASSPHRASE_FILE}. */
    static final class PassphraseOption {
        @Option(names = {"-p", "--passphrase-file"}, paramLabel = "FILE",
                description = "Read the passphrase from the first line of FILE (mode 600). Default: $" + PASSPHRASE_ENV + ".")
        Path file;

        /** The file given by option or environment, or null. */
        Path source() {
            if (file != null) {
                return file;
            }
            String fromEnv = env.apply(PASSPHRASE_ENV);
            return fromEnv == null || fromEnv.isBlank() ? null : Path.of(fromEnv);
        }

        /** The passphrase, or null when none is given. Zero it after use. */
        char[] read() {
            Path source = source();
            return source == null ? null : RepositoryOptions.readSecretFile(source, "passphrase file");
        }
    }

    @Command(name = "encrypt", description = "Encrypt INPUT (default: stdin) to recipients or with a passphrase.")
    static final class Encrypt implements Callable<Integer> {
        @Option(names = {"-r", "--recipient"}, paramLabel = "RECIPIENT", description = "Encrypt to an age X25519 recipient (age1…). Repeatable.")
        List<String> recipients = new ArrayList<>();
        @Option(names = {"-R", "--recipients-file"}, paramLabel = "FILE", description = "Encrypt to the age1… recipients listed in FILE (one per line, # comments). Repeatable.")
        List<Path> recipientFiles = new ArrayList<>();
        @Option(names = "--pgp-recipient", paramLabel = "FILE", description = "Encrypt to the OpenPGP public key(s) in FILE (armored or binary). Repeatable; implies --format pgp.")
        List<Path> pgpRecipients = new ArrayList<>();
        @Option(names = "--format", paramLabel = "age|pgp", description = "Envelope format. Default: age, or pgp with --pgp-recipient.")
        String format;
        @Option(names = {"-a", "--armor"}, description = "Write ASCII armor instead of binary.")
        boolean armor;
        @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "Write to OUT (via a temporary file, renamed when complete). Default: stdout.")
        Path output;
        @Option(names = "--work-factor", paramLabel = "N", defaultValue = "" + AgeEnvelope.DEFAULT_WORK_FACTOR,
                description = "age passphrase: scrypt work factor log2(N), 10..22 (default ${DEFAULT-VALUE}, as age).")
        int workFactor;
        @Mixin PassphraseOption passphrase;
        @Parameters(arity = "0..1", paramLabel = "INPUT", description = "File to encrypt; - or none for stdin.")
        String input;

        @Override
        public Integer call() throws IOException {
            List<String> ageRecipients = new ArrayList<>(recipients);
            for (Path file : recipientFiles) {
                ageRecipients.addAll(readRecipientsFile(file));
            }
            boolean pgp = pgpFormat(ageRecipients);
            boolean explicitPassphrase = passphrase.file != null;
            boolean anyRecipient = !ageRecipients.isEmpty() || !pgpRecipients.isEmpty();
            // The environment supplies a passphrase only when nothing else says whom to encrypt to.
            boolean usePassphrase = explicitPassphrase || (!anyRecipient && passphrase.source() != null);
            if (!anyRecipient && !usePassphrase) {
                throw new CommandFailure("nothing to encrypt to: give -r age1…, -R FILE, --pgp-recipient FILE or -p PASSPHRASE_FILE",
                        ExitCodes.USAGE);
            }
            if (!pgp && usePassphrase && anyRecipient) {
                throw new CommandFailure("age cannot combine a passphrase with recipients (-p with -r/-R); use one or the other",
                        ExitCodes.USAGE);
            }
            if (workFactor < 10 || workFactor > AgeEnvelope.MAX_WORK_FACTOR) {
                throw new CommandFailure("--work-factor must be between 10 and " + AgeEnvelope.MAX_WORK_FACTOR, ExitCodes.USAGE);
            }
            for (String recipient : ageRecipients) {
                try {
                    AgeEnvelope.checkRecipient(recipient);
                } catch (EnvelopeException e) {
                    throw new CommandFailure(e.getMessage(), ExitCodes.USAGE);
                }
            }
            List<PGPPublicKey> pgpKeys = new ArrayList<>();
            for (Path file : pgpRecipients) {
                pgpKeys.addAll(readPublicKeys(file));
            }
            refuseBinaryOnTerminal(output, armor);
            char[] secret = usePassphrase ? passphrase.read() : null;
            String name = input == null || input.equals("-") ? "stdin" : input;
            try (InputStream in = openInput(input)) {
                if (output == null) {
                    OutputStream out = stdout.get();
                    encrypt(in, out, pgp, ageRecipients, pgpKeys, secret);
                    out.flush();
                } else {
                    try (StagedOutput staged = StagedOutput.next(output)) {
                        encrypt(in, staged.stream(), pgp, ageRecipients, pgpKeys, secret);
                        staged.commit();
                    }
                }
            } catch (IOException e) {
                throw new CommandFailure("encrypting " + name + " failed: " + e.getMessage());
            } finally {
                SecretFiles.zero(secret);
            }
            return ExitCodes.OK;
        }

        private boolean pgpFormat(List<String> ageRecipients) {
            if (format == null) {
                return !pgpRecipients.isEmpty();
            }
            switch (format) {
                case "age" -> {
                    if (!pgpRecipients.isEmpty()) {
                        throw new CommandFailure("--pgp-recipient needs --format pgp", ExitCodes.USAGE);
                    }
                    return false;
                }
                case "pgp" -> {
                    if (!ageRecipients.isEmpty()) {
                        throw new CommandFailure("-r/-R take age recipients; with --format pgp use --pgp-recipient FILE", ExitCodes.USAGE);
                    }
                    return true;
                }
                default -> throw new CommandFailure("--format must be age or pgp, not " + format, ExitCodes.USAGE);
            }
        }

        private void encrypt(InputStream in, OutputStream out, boolean pgp, List<String> ageRecipients,
                             List<PGPPublicKey> pgpKeys, char[] secret) throws IOException {
            if (pgp) {
                String name = input == null || input.equals("-") ? "" : Path.of(input).getFileName().toString();
                PgpEnvelope.encrypt(in, out, pgpKeys, secret, name, armor);
            } else if (secret != null) {
                AgeEnvelope.encryptWithPassphrase(in, out, secret, workFactor, armor);
            } else {
                AgeEnvelope.encrypt(in, out, ageRecipients, armor);
            }
        }
    }

    @Command(name = "decrypt", description = "Decrypt an age file or OpenPGP message (format detected from INPUT, default stdin).")
    static final class Decrypt implements Callable<Integer> {
        @Option(names = {"-i", "--identity"}, paramLabel = "FILE",
                description = "An age identity file (AGE-SECRET-KEY-1…) or an OpenPGP secret key file (mode 600). Repeatable.")
        List<Path> identityFiles = new ArrayList<>();
        @Option(names = {"-o", "--output"}, paramLabel = "OUT",
                description = "Write to OUT (mode 600), renamed into place only after the whole input authenticated. Default: stdout.")
        Path output;
        @Mixin PassphraseOption passphrase;
        @Parameters(arity = "0..1", paramLabel = "INPUT", description = "File to decrypt; - or none for stdin.")
        String input;

        @Override
        public Integer call() throws IOException {
            String name = input == null || input.equals("-") ? "stdin" : input;
            if (identityFiles.isEmpty() && passphrase.source() == null) {
                throw new CommandFailure("nothing to decrypt with: give -i IDENTITY_FILE or -p PASSPHRASE_FILE", ExitCodes.USAGE);
            }
            try (BufferedInputStream in = new BufferedInputStream(openInput(input), 1 << 16)) {
                EnvelopeFormat format = EnvelopeFormat.detect(in).map(EnvelopeFormat.Detected::format)
                        .orElseThrow(() -> new CommandFailure(name + ": not an age file or an encrypted OpenPGP message"));
                char[] secret = passphrase.read();
                try {
                    if (format == EnvelopeFormat.AGE) {
                        decryptAge(in, name, secret);
                    } else {
                        decryptPgp(in, name, secret);
                    }
                } catch (EnvelopeException e) {
                    throw new CommandFailure(message(e, name, !identityFiles.isEmpty()));
                } catch (IOException e) {
                    throw new CommandFailure("decrypting " + name + " failed: " + e.getMessage());
                } finally {
                    SecretFiles.zero(secret);
                }
            }
            return ExitCodes.OK;
        }

        private void decryptAge(InputStream in, String name, char[] secret) throws IOException {
            AgeIdentities identities = identityFiles.isEmpty() ? null : ageIdentities(name);
            try {
                if (output == null) {
                    // STREAM authenticates each 64 KiB chunk: stdout only ever gets authenticated
                    // chunks, and a truncated or damaged input ends in an error exit (as with age).
                    OutputStream out = stdout.get();
                    AgeEnvelope.decrypt(in, out, identities, secret);
                    out.flush();
                } else {
                    try (StagedOutput staged = StagedOutput.next(output)) {
                        AgeEnvelope.decrypt(in, staged.stream(), identities, secret);
                        staged.commit();
                    }
                }
            } finally {
                if (identities != null) {
                    identities.close();
                }
            }
        }

        private void decryptPgp(InputStream in, String name, char[] secret) throws IOException {
            List<PGPSecretKeyRing> keys = identityFiles.isEmpty() ? List.of() : pgpSecretKeys(name);
            if (output != null) {
                try (StagedOutput staged = StagedOutput.next(output)) {
                    PgpEnvelope.decrypt(in, staged.stream(), keys, secret);
                    staged.commit();
                }
                return;
            }
            // OpenPGP's MDC is checked only after the last byte, so stdout gets the plaintext from a
            // private scratch file once the whole message authenticated.
            try (StagedOutput scratch = StagedOutput.scratch()) {
                PgpEnvelope.decrypt(in, scratch.stream(), keys, secret);
                scratch.finish();
                OutputStream out = stdout.get();
                Files.copy(scratch.path(), out);
                out.flush();
            }
        }

        private AgeIdentities ageIdentities(String name) {
            List<char[]> texts = new ArrayList<>();
            int total = 0;
            try {
                for (Path file : identityFiles) {
                    byte[] bytes = SecretFiles.readPrivate(file, "identity file");
                    char[] text = SecretFiles.chars(bytes);
                    SecretFiles.zero(bytes);
                    texts.add(text);
                    if (!AgeIdentities.looksLikeIdentityFile(text)) {
                        throw new CommandFailure("identity file " + file + " holds no age identity (AGE-SECRET-KEY-1…), but "
                                + name + " is an age file");
                    }
                    total += text.length + 1;
                }
                char[] all = new char[total];
                int at = 0;
                for (char[] text : texts) {
                    System.arraycopy(text, 0, all, at, text.length);
                    at += text.length;
                    all[at++] = '\n';
                }
                try {
                    return AgeIdentities.parse(all);
                } catch (EnvelopeException e) {
                    throw new CommandFailure("identity file" + (identityFiles.size() == 1 ? " " + identityFiles.get(0) : "s")
                            + ": " + e.getMessage());
                } finally {
                    SecretFiles.zero(all);
                }
            } finally {
                texts.forEach(SecretFiles::zero);
            }
        }

        private List<PGPSecretKeyRing> pgpSecretKeys(String name) {
            List<PGPSecretKeyRing> rings = new ArrayList<>();
            for (Path file : identityFiles) {
                byte[] bytes = SecretFiles.readPrivate(file, "identity file");
                try {
                    if (AgeIdentities.looksLikeIdentityFile(SecretFiles.chars(bytes))) {
                        throw new CommandFailure("identity file " + file + " is an age identity, but " + name + " is an OpenPGP message");
                    }
                    rings.addAll(SecretFiles.pgpSecretKeys(bytes, "identity file " + file));
                } finally {
                    SecretFiles.zero(bytes);
                }
            }
            return rings;
        }

        private static String message(EnvelopeException e, String name, boolean identitiesGiven) {
            return switch (e.reason()) {
                case NO_MATCHING_IDENTITY -> identitiesGiven ? "no identity matches any recipient of " + name : name + ": " + e.getMessage();
                case PASSPHRASE_REQUIRED -> name + ": " + e.getMessage() + "; give -p PASSPHRASE_FILE or set " + PASSPHRASE_ENV;
                default -> name + ": " + e.getMessage();
            };
        }
    }

    @Command(name = "keygen", description = "Generate an age identity or an OpenPGP key pair.")
    static final class Keygen implements Callable<Integer> {
        static final class Kind {
            @Option(names = "--age", required = true, description = "An age X25519 identity file, as age-keygen writes it.")
            boolean age;
            @Option(names = "--pgp", required = true, description = "An OpenPGP key pair: FILE (secret, armored, mode 600) and FILE.pub.")
            boolean pgp;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Kind kind;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Where to write the secret key (mode 600; never overwritten). --age without -o prints it.")
        Path output;
        @Option(names = "--uid", paramLabel = "\"NAME <MAIL>\"", description = "OpenPGP user id (required with --pgp).")
        String uid;
        @Option(names = "--pgp-algorithm", paramLabel = "ed25519|rsa3072", defaultValue = "ed25519",
                description = "OpenPGP key type (default ${DEFAULT-VALUE}: Ed25519 + Curve25519 encryption subkey).")
        String algorithm;
        @Option(names = {"-p", "--passphrase-file"}, paramLabel = "FILE", description = "--pgp: protect the secret key with the passphrase in FILE.")
        Path passphraseFile;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            if (kind.age) {
                if (passphraseFile != null || uid != null) {
                    throw new CommandFailure("--uid and -p apply to --pgp only (age identities are plain files; keep them mode 600)",
                            ExitCodes.USAGE);
                }
                AgeKeys.KeyPair pair = AgeKeys.generate();
                char[] file = pair.identityFile(OffsetDateTime.now());
                byte[] bytes = SecretFiles.bytes(file);
                try {
                    if (output == null) {
                        OutputStream stream = stdout.get();
                        stream.write(bytes);
                        stream.flush();
                    } else {
                        SecretFiles.writeNew(output, bytes, "rw-------");
                        out.println("Public key: " + pair.recipient());
                    }
                } catch (IOException e) {
                    throw new CommandFailure("cannot write the identity: " + e.getMessage());
                } finally {
                    SecretFiles.zero(bytes);
                    SecretFiles.zero(file);
                    SecretFiles.zero(pair.identity());
                }
                return ExitCodes.OK;
            }
            if (output == null) {
                throw new CommandFailure("--pgp needs -o FILE (the public key goes to FILE.pub)", ExitCodes.USAGE);
            }
            if (uid == null || uid.isBlank()) {
                throw new CommandFailure("--pgp needs --uid \"Name <mail@example.org>\"", ExitCodes.USAGE);
            }
            PgpKeys.Algorithm type = switch (algorithm) {
                case "ed25519" -> PgpKeys.Algorithm.ED25519;
                case "rsa3072" -> PgpKeys.Algorithm.RSA3072;
                default -> throw new CommandFailure("--pgp-algorithm must be ed25519 or rsa3072, not " + algorithm, ExitCodes.USAGE);
            };
            Path publicFile = output.resolveSibling(output.getFileName() + ".pub");
            if (Files.exists(output) || Files.exists(publicFile)) {
                throw new CommandFailure((Files.exists(output) ? output : publicFile) + " already exists; not overwriting a key");
            }
            char[] secret = passphraseFile == null ? null : RepositoryOptions.readSecretFile(passphraseFile, "passphrase file");
            PgpKeys.GeneratedKey key;
            try {
                key = PgpKeys.generate(uid, type, secret, new Date());
            } finally {
                SecretFiles.zero(secret);
            }
            try {
                SecretFiles.writeNew(output, key.armoredSecretKey(), "rw-------");
            } finally {
                SecretFiles.zero(key.armoredSecretKey());
            }
            SecretFiles.writeNew(publicFile, key.armoredPublicKey(), "rw-r--r--");
            out.println("Fingerprint: " + key.fingerprint());
            out.println("User id: " + key.userId());
            out.println("Secret key: " + output + (secret == null ? " (not passphrase-protected; keep it mode 600)" : " (passphrase-protected)"));
            out.println("Public key: " + publicFile);
            return ExitCodes.OK;
        }
    }

    // ---- shared by the subcommands ----

    static InputStream openInput(String input) {
        if (input == null || input.equals("-")) {
            return stdin.get();
        }
        try {
            return Files.newInputStream(Path.of(input));
        } catch (NoSuchFileException e) {
            throw new CommandFailure(input + " does not exist");
        } catch (IOException e) {
            throw new CommandFailure("cannot read " + input + ": " + e.getMessage());
        }
    }

    /** age refuses to write binary ciphertext to a terminal; so do we. */
    static void refuseBinaryOnTerminal(Path output, boolean armor) {
        if (output == null && !armor && System.console() != null && stdout.get() == System.out) {
            throw new CommandFailure("refusing to write binary ciphertext to a terminal: use -o OUT or --armor", ExitCodes.USAGE);
        }
    }

    static List<String> readRecipientsFile(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
        } catch (NoSuchFileException e) {
            throw new CommandFailure("recipients file " + file + " does not exist", ExitCodes.USAGE);
        } catch (IOException e) {
            throw new CommandFailure("cannot read recipients file " + file + ": " + e.getMessage());
        }
    }

    static List<PGPPublicKey> readPublicKeys(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return PgpKeys.readEncryptionKeys(in);
        } catch (EnvelopeException e) {
            throw new CommandFailure("OpenPGP key file " + file + ": " + e.getMessage(), ExitCodes.USAGE);
        } catch (NoSuchFileException e) {
            throw new CommandFailure("OpenPGP key file " + file + " does not exist", ExitCodes.USAGE);
        } catch (IOException e) {
            throw new CommandFailure("cannot read OpenPGP key file " + file + ": " + e.getMessage());
        }
    }
}
