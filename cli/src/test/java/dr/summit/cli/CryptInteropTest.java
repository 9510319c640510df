package dr.summit.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code summit-dr crypt} against the real {@code age} (1.1) and {@code gpg} (2.2) binaries, both
 * directions, and its behaviour on bad input: one line on stderr, exit 1 (2 for usage), and nothing
 * left under the output name.
 */
class CryptInteropTest {
    private static final int CHUNK = 64 * 1024;

    private static Path keys;
    private static Path gnupgHome;
    private static Path gpgPassphrase;
    /** Our keygen: an age identity and two OpenPGP keys (Ed25519 unprotected, RSA-3072 protected). */
    private static Path ourAgeKey;
    private static String ourAgeRecipient;
    private static Path ourPgpKey;
    private static Path ourProtectedPgpKey;
    /** Their keys: age-keygen, gpg RSA-3072 (unprotected) and gpg Ed25519/Curve25519 (protected). */
    private static Path theirAgeKey;
    private static String theirAgeRecipient;
    private static Path gpgRsaPublic;
    private static Path gpgRsaSecret;
    private static Path gpgEdPublic;
    private static Path gpgEdSecret;

    private Path work;
    private Path outDir;
    private Supplier<InputStream> savedStdin;
    private Supplier<OutputStream> savedStdout;
    private Function<String, String> savedEnv;
    private final Map<String, String> env = new HashMap<>();

    // ---------------------------------------------------------------- setup

    @BeforeAll
    static void generateKeys() throws Exception {
        assumeTrue(onPath("age") && onPath("age-keygen") && onPath("gpg"),
                "the age and gpg binaries are needed (apt-get install age gnupg; .ci/run installs them)");
        keys = Files.createTempDirectory("summit-crypt-keys");
        gnupgHome = Files.createDirectory(keys.resolve("gnupg"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        gpgPassphrase = privateFile(keys.resolve("gpg-pass"), "gpg key passphrase");

        ourAgeKey = keys.resolve("ours-age.txt");
        Run keygen = crypt(null, "keygen", "--age", "-o", ourAgeKey.toString());
        assertThat(keygen.exit).as(keygen.toString()).isZero();
        ourAgeRecipient = keygen.out.strip().replace("Public key: ", "");

        theirAgeKey = keys.resolve("theirs-age.txt");
        ok(exec(null, "age-keygen", "-o", theirAgeKey.toString()));
        theirAgeRecipient = new String(ok(exec(null, "age-keygen", "-y", theirAgeKey.toString())).out, StandardCharsets.US_ASCII).strip();

        ourPgpKey = keys.resolve("ours-ed25519.asc");
        Run ed = crypt(null, "keygen", "--pgp", "--uid", "Ours Ed <ours-ed@example.org>", "-o", ourPgpKey.toString());
        assertThat(ed.exit).as(ed.toString()).isZero();
        ourProtectedPgpKey = keys.resolve("ours-rsa.asc");
        Run rsa = crypt(null, "keygen", "--pgp", "--pgp-algorithm", "rsa3072", "--uid", "Ours Rsa <ours-rsa@example.org>",
                "-p", gpgPassphrase.toString(), "-o", ourProtectedPgpKey.toString());
        assertThat(rsa.exit).as(rsa.toString()).isZero();

        // An RSA-3072 primary key for certification plus an RSA-3072 encryption subkey, as gpg 2.2's default key.
        ok(gpg(null, "--passphrase", "", "--quick-gen-key", "Their Rsa <their-rsa@example.org>", "rsa3072", "cert", "never"));
        String rsaFingerprint = new String(ok(gpg(null, "--with-colons", "--list-keys", "their-rsa@example.org")).out, StandardCharsets.UTF_8)
                .lines().filter(l -> l.startsWith("fpr:")).findFirst().orElseThrow().split(":")[9];
        ok(gpg(null, "--passphrase", "", "--quick-add-key", rsaFingerprint, "rsa3072", "encr", "never"));
        ok(gpg(null, "--passphrase-file", gpgPassphrase.toString(), "--quick-gen-key", "Their Ed <their-ed@example.org>",
                "future-default", "default", "never"));
        gpgRsaPublic = keys.resolve("their-rsa.pub.gpg");
        ok(gpg(null, "--output", gpgRsaPublic.toString(), "--export", "their-rsa@example.org"));
        gpgRsaSecret = keys.resolve("their-rsa.sec.gpg");
        ok(gpg(null, "--passphrase", "", "--output", gpgRsaSecret.toString(), "--export-secret-keys", "their-rsa@example.org"));
        gpgEdPublic = keys.resolve("their-ed.pub.asc");
        ok(gpg(null, "--armor", "--output", gpgEdPublic.toString(), "--export", "their-ed@example.org"));
        gpgEdSecret = keys.resolve("their-ed.sec.asc");
        ok(gpg(null, "--passphrase-file", gpgPassphrase.toString(), "--armor", "--output", gpgEdSecret.toString(),
                "--export-secret-keys", "their-ed@example.org"));
        Files.setPosixFilePermissions(gpgRsaSecret, PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(gpgEdSecret, PosixFilePermissions.fromString("rw-------"));
        // gpg knows our public keys so it can encrypt to them
        ok(gpg(null, "--import", ourPgpKey + ".pub"));
        ok(gpg(null, "--import", ourProtectedPgpKey + ".pub"));
    }

    @AfterAll
    static void removeKeys() throws Exception {
        if (gnupgHome != null) {
            exec(null, "gpgconf", "--homedir", gnupgHome.toString(), "--kill", "all");
        }
        if (keys != null) {
            CliTestSupport.deleteRecursively(keys);
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        work = Files.createTempDirectory("summit-crypt");
        outDir = Files.createDirectory(work.resolve("out"));
        savedStdin = CryptCommand.stdin;
        savedStdout = CryptCommand.stdout;
        savedEnv = CryptCommand.env;
        CryptCommand.env = env::get;
    }

    @AfterEach
    void tearDown() throws Exception {
        CryptCommand.stdin = savedStdin;
        CryptCommand.stdout = savedStdout;
        CryptCommand.env = savedEnv;
        CliTestSupport.deleteRecursively(work);
    }

    // ---------------------------------------------------------------- age X25519

    @Test
    void ourAgeEncryptionToTwoRecipientsDecryptsWithRealAgeForEach() throws Exception {
        Path plain = randomFile("plain.bin", 3 * CHUNK + 123, 1);
        for (boolean armor : new boolean[]{false, true}) {
            Path sealed = work.resolve(armor ? "plain.age.asc" : "plain.age");
            List<String> args = new ArrayList<>(List.of("encrypt", "-r", ourAgeRecipient, "-r", theirAgeRecipient, "-o", sealed.toString()));
            if (armor) {
                args.add("--armor");
            }
            args.add(plain.toString());
            okCrypt(args.toArray(String[]::new));
            assertThat(Files.readString(sealed, StandardCharsets.ISO_8859_1))
                    .startsWith(armor ? "-----BEGIN AGE ENCRYPTED FILE-----" : "age-encryption.org/v1\n");
            for (Path identity : List.of(ourAgeKey, theirAgeKey)) {
                Proc age = ok(exec(null, "age", "--decrypt", "-i", identity.toString(), sealed.toString()));
                assertThat(age.out).as("age -d -i %s (armor %s)", identity.getFileName(), armor).isEqualTo(Files.readAllBytes(plain));
            }
        }
    }

    @Test
    void realAgeEncryptionDecryptsWithOursForEachIdentity() throws Exception {
        Path plain = randomFile("plain.bin", 2 * CHUNK, 2);
        Path recipients = Files.writeString(work.resolve("recipients.txt"), "# both of us\n" + ourAgeRecipient + "\n" + theirAgeRecipient + "\n");
        Path binary = work.resolve("binary.age");
        ok(exec(null, "age", "-r", ourAgeRecipient, "-r", theirAgeRecipient, "-o", binary.toString(), plain.toString()));
        Path armored = work.resolve("armored.age");
        ok(exec(null, "age", "--armor", "-R", recipients.toString(), "-o", armored.toString(), plain.toString()));
        for (Path sealed : List.of(binary, armored)) {
            for (Path identity : List.of(ourAgeKey, theirAgeKey)) {
                Path out = outDir.resolve(sealed.getFileName() + "-" + identity.getFileName());
                okCrypt("decrypt", "-i", identity.toString(), "-o", out.toString(), sealed.toString());
                assertThat(out).hasSameBinaryContentAs(plain);
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-------");
            }
        }
    }

    @Test
    void ourKeygenWritesWhatAgeKeygenWritesAndAgeAgreesOnTheRecipient() throws Exception {
        List<String> lines = Files.readAllLines(ourAgeKey);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).matches("# created: \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(Z|[+-]\\d\\d:\\d\\d)");
        assertThat(lines.get(1)).isEqualTo("# public key: " + ourAgeRecipient);
        assertThat(lines.get(2)).startsWith("AGE-SECRET-KEY-1");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ourAgeKey))).isEqualTo("rw-------");
        Proc y = ok(exec(null, "age-keygen", "-y", ourAgeKey.toString()));
        assertThat(new String(y.out, StandardCharsets.US_ASCII).strip()).isEqualTo(ourAgeRecipient);
        // and age-keygen's own file layout is what we read
        assertThat(Files.readAllLines(theirAgeKey).get(1)).isEqualTo("# public key: " + theirAgeRecipient);
    }

    @Test
    void keygenRefusesToOverwriteAKey() throws Exception {
        Run again = crypt(null, "keygen", "--age", "-o", ourAgeKey.toString());
        CliTestSupport.assertOneLineError(again.asCliRun(), ExitCodes.ERROR, "already exists");
    }

    @Test
    void streamsFromStdinToStdoutBothWays() throws Exception {
        byte[] plain = random(CHUNK + 5, 3);
        Run encrypted = crypt(plain, "encrypt", "-r", theirAgeRecipient);
        assertThat(encrypted.exit).as(encrypted.toString()).isZero();
        Path sealed = Files.write(work.resolve("stream.age"), encrypted.stdout);
        assertThat(ok(exec(null, "age", "-d", "-i", theirAgeKey.toString(), sealed.toString())).out).isEqualTo(plain);

        Proc ageOut = ok(exec(plain, "age", "-r", ourAgeRecipient));
        Run decrypted = crypt(ageOut.out, "decrypt", "-i", ourAgeKey.toString());
        assertThat(decrypted.exit).as(decrypted.toString()).isZero();
        assertThat(decrypted.stdout).isEqualTo(plain);
    }

    // ---------------------------------------------------------------- age passphrase

    @Test
    void agePassphraseRoundTripsThroughOurs() throws Exception {
        Path plain = randomFile("plain.bin", 100_000, 4);
        Path passphrase = privateFile(work.resolve("pass"), "correct horse battery staple");
        Path sealed = work.resolve("plain.age");
        okCrypt("encrypt", "-p", passphrase.toString(), "--work-factor", "10", "-o", sealed.toString(), plain.toString());
        Path out = outDir.resolve("plain.bin");
        // the environment variable stands in for -p where nothing else is given (no TTY in tests)
        env.put(CryptCommand.PASSPHRASE_ENV, passphrase.toString());
        okCrypt("decrypt", "-o", out.toString(), sealed.toString());
        assertThat(out).hasSameBinaryContentAs(plain);
    }

    /**
     * age reads passphrases from /dev/tty only; script(1) gives it a pseudo-terminal whose input is
     * our stdin, so both directions can be checked with the real binary.
     */
    @Test
    void agePassphraseInteroperatesWithRealAgeThroughAPty() throws Exception {
        assumeTrue(onPath("script"), "script(1) from util-linux is needed to give age a terminal");
        Path plain = randomFile("plain.bin", 2 * CHUNK + 1, 5);
        String secret = "tty passphrase 42";
        Path passphrase = privateFile(work.resolve("pass"), secret);

        Path ours = work.resolve("ours.age");
        okCrypt("encrypt", "-p", passphrase.toString(), "--work-factor", "15", "-o", ours.toString(), plain.toString());
        Path theirPlain = work.resolve("their-plain.bin");
        Proc decrypt = ageOnTty(secret + "\n", "-d", "-o", theirPlain.toString(), ours.toString());
        assumeTrue(Files.exists(theirPlain) || decrypt.exit == 0, "script(1) could not drive age: " + decrypt.err);
        assertThat(theirPlain).as("age -d of our passphrase file").hasSameBinaryContentAs(plain);

        Path theirs = work.resolve("theirs.age");
        ok(ageOnTty(secret + "\n" + secret + "\n", "-p", "-o", theirs.toString(), plain.toString()));
        assertThat(Files.readString(theirs, StandardCharsets.ISO_8859_1)).contains("\n-> scrypt ");
        Path out = outDir.resolve("plain.bin");
        okCrypt("decrypt", "-p", passphrase.toString(), "-o", out.toString(), theirs.toString());
        assertThat(out).as("our decryption of age -p").hasSameBinaryContentAs(plain);
    }

    // ---------------------------------------------------------------- OpenPGP

    @Test
    void ourPgpEncryptionToGpgKeysDecryptsWithGpg() throws Exception {
        Path plain = randomFile("plain.bin", 150_000, 6);
        for (boolean armor : new boolean[]{false, true}) {
            Path sealed = work.resolve(armor ? "plain.asc" : "plain.gpg");
            List<String> args = new ArrayList<>(List.of("encrypt", "--pgp-recipient", gpgRsaPublic.toString(),
                    "--pgp-recipient", gpgEdPublic.toString(), "-o", sealed.toString()));
            if (armor) {
                args.add("--armor");
            }
            args.add(plain.toString());
            okCrypt(args.toArray(String[]::new));
            Proc gpg = ok(gpg(null, "--passphrase-file", gpgPassphrase.toString(), "--decrypt", sealed.toString()));
            assertThat(gpg.out).as("gpg --decrypt (armor %s)", armor).isEqualTo(Files.readAllBytes(plain));
        }
    }

    @Test
    void gpgEncryptionToOurKeysDecryptsWithOurs() throws Exception {
        Path plain = randomFile("plain.bin", 150_000, 7);
        Path binary = work.resolve("to-ed.gpg");
        ok(gpg(null, "--recipient", "ours-ed@example.org", "--output", binary.toString(), "--encrypt", plain.toString()));
        Path out = outDir.resolve("from-ed");
        okCrypt("decrypt", "-i", ourPgpKey.toString(), "-o", out.toString(), binary.toString());
        assertThat(out).hasSameBinaryContentAs(plain);

        Path armored = work.resolve("to-rsa.asc");
        ok(gpg(null, "--armor", "--recipient", "ours-rsa@example.org", "--output", armored.toString(), "--encrypt", plain.toString()));
        Path passphrase = privateFile(work.resolve("pass"), "gpg key passphrase");
        Path out2 = outDir.resolve("from-rsa");
        okCrypt("decrypt", "-i", ourProtectedPgpKey.toString(), "-p", passphrase.toString(), "-o", out2.toString(), armored.toString());
        assertThat(out2).hasSameBinaryContentAs(plain);

        // signed and encrypted: the signature is skipped (not verified), the plaintext comes out
        Path signed = work.resolve("signed.gpg");
        ok(gpg(null, "--local-user", "their-ed@example.org", "--passphrase-file", gpgPassphrase.toString(), "--recipient", "ours-ed@example.org",
                "--output", signed.toString(), "--sign", "--encrypt", plain.toString()));
        Path out4 = outDir.resolve("from-signed");
        okCrypt("decrypt", "-i", ourPgpKey.toString(), "-o", out4.toString(), signed.toString());
        assertThat(out4).hasSameBinaryContentAs(plain);

        // --throw-keyids hides the recipient (key id 0): every secret key is tried
        Path hidden = work.resolve("hidden.gpg");
        ok(gpg(null, "--throw-keyids", "--recipient", "ours-ed@example.org", "--output", hidden.toString(), "--encrypt", plain.toString()));
        Path out3 = outDir.resolve("from-hidden");
        okCrypt("decrypt", "-i", ourPgpKey.toString(), "-o", out3.toString(), hidden.toString());
        assertThat(out3).hasSameBinaryContentAs(plain);
    }

    @Test
    void gpgSecretKeysDecryptWithOursIncludingAProtectedOne() throws Exception {
        Path plain = randomFile("plain.bin", 70_000, 8);
        Path sealed = work.resolve("to-theirs.gpg");
        ok(gpg(null, "--recipient", "their-rsa@example.org", "--recipient", "their-ed@example.org",
                "--output", sealed.toString(), "--encrypt", plain.toString()));
        Path out = outDir.resolve("rsa");
        okCrypt("decrypt", "-i", gpgRsaSecret.toString(), "-o", out.toString(), sealed.toString());
        assertThat(out).hasSameBinaryContentAs(plain);

        Path passphrase = privateFile(work.resolve("pass"), "gpg key passphrase");
        Path out2 = outDir.resolve("ed");
        okCrypt("decrypt", "-i", gpgEdSecret.toString(), "-p", passphrase.toString(), "-o", out2.toString(), sealed.toString());
        assertThat(out2).hasSameBinaryContentAs(plain);

        assertFailsCleanly(outDir.resolve("x"), ExitCodes.ERROR, "is protected by a passphrase; give -p PASSPHRASE_FILE",
                "decrypt", "-i", gpgEdSecret.toString(), "-o", outDir.resolve("x").toString(), sealed.toString());
    }

    @Test
    void gpgImportsAndUsesOurProtectedSecretKey() throws Exception {
        Path plain = randomFile("plain.bin", 10_000, 9);
        Path sealed = work.resolve("to-ours.gpg");
        okCrypt("encrypt", "--pgp-recipient", ourProtectedPgpKey + ".pub", "-o", sealed.toString(), plain.toString());
        Path home = Files.createDirectory(work.resolve("gnupg"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            ok(gpgIn(home, null, "--passphrase-file", gpgPassphrase.toString(), "--import", ourProtectedPgpKey.toString()));
            Proc decrypted = ok(gpgIn(home, null, "--passphrase-file", gpgPassphrase.toString(), "--decrypt", sealed.toString()));
            assertThat(decrypted.out).isEqualTo(Files.readAllBytes(plain));
        } finally {
            exec(null, "gpgconf", "--homedir", home.toString(), "--kill", "all");
        }
    }

    @Test
    void symmetricPgpInteroperatesBothWays() throws Exception {
        Path plain = randomFile("plain.bin", 100_000, 10);
        Path passphrase = privateFile(work.resolve("pass"), "symmetric secret");
        Path ours = work.resolve("ours.gpg");
        okCrypt("encrypt", "--format", "pgp", "-p", passphrase.toString(), "-o", ours.toString(), plain.toString());
        assertThat(ok(gpg(null, "--passphrase-file", passphrase.toString(), "--decrypt", ours.toString())).out)
                .as("gpg --decrypt of our symmetric message").isEqualTo(Files.readAllBytes(plain));

        Path theirs = work.resolve("theirs.asc");
        ok(gpg(null, "--passphrase-file", passphrase.toString(), "--armor", "--output", theirs.toString(), "--symmetric", plain.toString()));
        Path out = outDir.resolve("plain.bin");
        okCrypt("decrypt", "-p", passphrase.toString(), "-o", out.toString(), theirs.toString());
        assertThat(out).as("our decryption of gpg --symmetric").hasSameBinaryContentAs(plain);
    }

    @Test
    void pgpDecryptionToStdoutShowsPlaintextOnlyAfterTheMdcChecked() throws Exception {
        byte[] plain = random(200_000, 11);
        Path sealed = work.resolve("to-ed.gpg");
        ok(gpg(plain, "--recipient", "ours-ed@example.org", "--output", sealed.toString(), "--encrypt"));
        Run good = crypt(null, "decrypt", "-i", ourPgpKey.toString(), sealed.toString());
        assertThat(good.exit).as(good.toString()).isZero();
        assertThat(good.stdout).isEqualTo(plain);

        byte[] damaged = Files.readAllBytes(sealed);
        damaged[damaged.length - 30] ^= 1;
        Files.write(sealed, damaged);
        Run bad = crypt(null, "decrypt", "-i", ourPgpKey.toString(), sealed.toString());
        CliTestSupport.assertOneLineError(bad.asCliRun(), ExitCodes.ERROR, sealed.toString());
        assertThat(bad.stdout).isEmpty();
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void wrongIdentityIsOneLineAndLeavesNoOutput() throws Exception {
        Path plain = randomFile("plain.bin", 1000, 12);
        Path ageFile = work.resolve("f.age");
        ok(exec(null, "age", "-r", theirAgeRecipient, "-o", ageFile.toString(), plain.toString()));
        Path pgpFile = work.resolve("f.gpg");
        ok(gpg(null, "--recipient", "their-rsa@example.org", "--output", pgpFile.toString(), "--encrypt", plain.toString()));
        Path out = outDir.resolve("f");
        assertFailsCleanly(out, ExitCodes.ERROR, "no identity matches any recipient of " + ageFile,
                "decrypt", "-i", ourAgeKey.toString(), "-o", out.toString(), ageFile.toString());
        assertFailsCleanly(out, ExitCodes.ERROR, "no identity matches any recipient of " + pgpFile,
                "decrypt", "-i", ourPgpKey.toString(), "-o", out.toString(), pgpFile.toString());
        assertFailsCleanly(out, ExitCodes.ERROR, "is an age identity, but " + pgpFile + " is an OpenPGP message",
                "decrypt", "-i", ourAgeKey.toString(), "-o", out.toString(), pgpFile.toString());
    }

    @Test
    void wrongPassphraseIsOneLineAndLeavesNoOutput() throws Exception {
        Path plain = randomFile("plain.bin", 1000, 13);
        Path right = privateFile(work.resolve("right"), "right one");
        Path wrong = privateFile(work.resolve("wrong"), "wrong one");
        Path ageFile = work.resolve("f.age");
        okCrypt("encrypt", "-p", right.toString(), "--work-factor", "10", "-o", ageFile.toString(), plain.toString());
        Path pgpFile = work.resolve("f.gpg");
        ok(gpg(null, "--passphrase-file", right.toString(), "--output", pgpFile.toString(), "--symmetric", plain.toString()));
        Path out = outDir.resolve("f");
        for (Path sealed : List.of(ageFile, pgpFile)) {
            Run r = assertFailsCleanly(out, ExitCodes.ERROR, sealed + ": wrong passphrase",
                    "decrypt", "-p", wrong.toString(), "-o", out.toString(), sealed.toString());
            assertThat(r.err).doesNotContain("wrong one").doesNotContain("right one");
        }
        // and the protected OpenPGP secret key
        Path toRsa = work.resolve("to-rsa.gpg");
        ok(gpg(null, "--recipient", "ours-rsa@example.org", "--output", toRsa.toString(), "--encrypt", plain.toString()));
        assertFailsCleanly(out, ExitCodes.ERROR, "wrong passphrase for secret key",
                "decrypt", "-i", ourProtectedPgpKey.toString(), "-p", wrong.toString(), "-o", out.toString(), toRsa.toString());
        assertFailsCleanly(out, ExitCodes.ERROR, "is protected by a passphrase",
                "decrypt", "-i", ourProtectedPgpKey.toString(), "-o", out.toString(), toRsa.toString());
    }

    @Test
    void flippedByteInHeaderOrBodyIsOneLineAndLeavesNoOutput() throws Exception {
        Path plain = randomFile("plain.bin", 3 * CHUNK, 14);
        Path ageFile = work.resolve("f.age");
        ok(exec(null, "age", "-r", ourAgeRecipient, "-o", ageFile.toString(), plain.toString()));
        Path pgpFile = work.resolve("f.gpg");
        ok(gpg(null, "--recipient", "ours-ed@example.org", "--output", pgpFile.toString(), "--encrypt", plain.toString()));
        Path out = outDir.resolve("f");
        byte[] age = Files.readAllBytes(ageFile);
        int macLine = new String(age, StandardCharsets.ISO_8859_1).indexOf("\n--- ") + 1;
        record Damage(Path sealed, Path identity, int position, String expected) {
        }
        List<Damage> damages = List.of(
                new Damage(ageFile, ourAgeKey, 40, ""),                              // X25519 stanza
                new Damage(ageFile, ourAgeKey, base64Flippable(age, macLine + 4), "authentication failed: the header"), // header MAC
                new Damage(ageFile, ourAgeKey, age.length - 1000, "authentication failed"), // last chunk
                new Damage(ageFile, ourAgeKey, macLine + 48 + 16 + 100, "authentication failed"), // first chunk
                new Damage(pgpFile, ourPgpKey, 20, ""),                               // PKESK
                new Damage(pgpFile, ourPgpKey, (int) Files.size(pgpFile) / 2, ""),     // body
                new Damage(pgpFile, ourPgpKey, (int) Files.size(pgpFile) - 5, ""));   // MDC
        for (Damage d : damages) {
            byte[] bytes = Files.readAllBytes(d.sealed);
            bytes[d.position] ^= 0x01;
            Path damaged = Files.write(work.resolve("damaged-" + d.sealed.getFileName()), bytes);
            assertFailsCleanly(out, ExitCodes.ERROR, d.expected, "decrypt", "-i", d.identity.toString(), "-o", out.toString(), damaged.toString());
            // the real tools agree that these inputs are bad
            Proc theirs = d.sealed == ageFile ? exec(null, "age", "-d", "-i", ourAgeKey.toString(), damaged.toString()) : null;
            if (theirs != null) {
                assertThat(theirs.exit).as("age on flip at %d", d.position).isNotZero();
            }
        }
    }

    @Test
    void truncatedInputIsOneLineAndLeavesNoOutput() throws Exception {
        Path plain = randomFile("plain.bin", 3 * CHUNK, 15);
        Path ageFile = work.resolve("f.age");
        ok(exec(null, "age", "-r", ourAgeRecipient, "-o", ageFile.toString(), plain.toString()));
        Path pgpFile = work.resolve("f.gpg");
        okCrypt("encrypt", "--pgp-recipient", ourPgpKey + ".pub", "-o", pgpFile.toString(), plain.toString());
        Path armoredAge = work.resolve("f.age.asc");
        okCrypt("encrypt", "-r", ourAgeRecipient, "--armor", "-o", armoredAge.toString(), plain.toString());
        Path out = outDir.resolve("f");
        byte[] age = Files.readAllBytes(ageFile);
        int payload = new String(age, StandardCharsets.ISO_8859_1).indexOf("\n--- ") + 1 + 48 + 16;
        Map<Path, Path> identityFor = Map.of(ageFile, ourAgeKey, pgpFile, ourPgpKey, armoredAge, ourAgeKey);
        for (Path sealed : List.of(ageFile, pgpFile, armoredAge)) {
            long size = Files.size(sealed);
            long[] lengths = sealed == ageFile ? new long[]{payload + 2L * (CHUNK + 16), size - 1, 30}
                    : sealed == armoredAge ? new long[]{size - 2, size / 2, 30} // minus 1 only drops the final newline, which is fine
                    : new long[]{size - 1, size / 2, 30};
            for (long length : lengths) {
                Path truncated = Files.write(work.resolve("truncated"), Arrays.copyOf(Files.readAllBytes(sealed), (int) length));
                Run r = assertFailsCleanly(out, ExitCodes.ERROR, "", "decrypt", "-i", identityFor.get(sealed).toString(),
                        "-o", out.toString(), truncated.toString());
                assertThat(r.err).as(r.toString()).containsAnyOf("truncated", "authentication failed", "armor", "header", "not a valid");
            }
        }
    }

    @Test
    void truncatedAgeStreamToStdoutEmitsOnlyWholeAuthenticatedChunksThenFails() throws Exception {
        byte[] plain = random(5 * CHUNK, 16);
        byte[] sealed = ok(exec(plain, "age", "-r", ourAgeRecipient)).out;
        byte[] truncated = Arrays.copyOf(sealed, sealed.length - CHUNK - 100);
        Run r = crypt(truncated, "decrypt", "-i", ourAgeKey.toString());
        CliTestSupport.assertOneLineError(r.asCliRun(), ExitCodes.ERROR, "stdin: authentication failed");
        assertThat(r.stdout.length % CHUNK).isZero();
        assertThat(r.stdout).isEqualTo(Arrays.copyOf(plain, r.stdout.length));
    }

    @Test
    void keyAndPassphraseFilesReadableByOthersAreRefused() throws Exception {
        Path plain = randomFile("plain.bin", 100, 17);
        Path sealed = work.resolve("f.age");
        ok(exec(null, "age", "-r", ourAgeRecipient, "-o", sealed.toString(), plain.toString()));
        Path loose = Files.copy(ourAgeKey, work.resolve("loose-key.txt"));
        Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-r-----"));
        Path out = outDir.resolve("f");
        Run r = assertFailsCleanly(out, ExitCodes.ERROR, "identity file " + loose + " is accessible by group or others; run: chmod 600 " + loose,
                "decrypt", "-i", loose.toString(), "-o", out.toString(), sealed.toString());
        assertThat(r.err).doesNotContain("AGE-SECRET-KEY");

        Path loosePass = privateFile(work.resolve("loose-pass"), "pw");
        Files.setPosixFilePermissions(loosePass, PosixFilePermissions.fromString("rw-rw-r--"));
        assertFailsCleanly(work.resolve("g.age"), ExitCodes.ERROR, "chmod 600 " + loosePass,
                "encrypt", "-p", loosePass.toString(), "-o", work.resolve("g.age").toString(), plain.toString());

        Path looseSecret = Files.copy(gpgRsaSecret, work.resolve("loose.sec"));
        Files.setPosixFilePermissions(looseSecret, PosixFilePermissions.fromString("rw----r--"));
        Path pgp = work.resolve("f.gpg");
        ok(gpg(null, "--recipient", "their-rsa@example.org", "--output", pgp.toString(), "--encrypt", plain.toString()));
        assertFailsCleanly(out, ExitCodes.ERROR, "chmod 600 " + looseSecret, "decrypt", "-i", looseSecret.toString(), "-o", out.toString(), pgp.toString());
    }

    @Test
    void usageMistakesExitTwo() throws Exception {
        Path plain = randomFile("plain.bin", 100, 18);
        Path pass = privateFile(work.resolve("pass"), "pw");
        Path out = outDir.resolve("f");
        assertFailsCleanly(out, ExitCodes.USAGE, "nothing to encrypt to", "encrypt", "-o", out.toString(), plain.toString());
        assertFailsCleanly(out, ExitCodes.USAGE, "recipient age1bogus", "encrypt", "-r", "age1bogus", "-o", out.toString(), plain.toString());
        assertFailsCleanly(out, ExitCodes.USAGE, "cannot combine a passphrase with recipients",
                "encrypt", "-r", ourAgeRecipient, "-p", pass.toString(), "-o", out.toString(), plain.toString());
        assertFailsCleanly(out, ExitCodes.USAGE, "--format must be age or pgp", "encrypt", "--format", "zip", "-r", ourAgeRecipient,
                "-o", out.toString(), plain.toString());
        assertFailsCleanly(out, ExitCodes.USAGE, "nothing to decrypt with", "decrypt", "-o", out.toString(), plain.toString());
        assertFailsCleanly(out, ExitCodes.USAGE, "--uid", "keygen", "--pgp", "-o", out.toString());
        assertFailsCleanly(out, ExitCodes.ERROR, "not an age file or an encrypted OpenPGP message",
                "decrypt", "-i", ourAgeKey.toString(), "-o", out.toString(), plain.toString());
    }

    // ---------------------------------------------------------------- large input, small heap

    /**
     * 200 MB through the real command in a JVM with a 64 MiB heap, stdin to file to stdout (age) and
     * stdin to file to -o (OpenPGP): memory does not grow with the input.
     */
    @Test
    void bigStreamRoundTripsInASmallHeap() throws Exception {
        long size = 200L << 20;
        Path ageFile = work.resolve("big.age");
        byte[] expected = pipeGenerated(size, 19, "encrypt", "-r", ourAgeRecipient, "-o", ageFile.toString());
        Proc decrypted = javaCrypt(null, "decrypt", "-i", ourAgeKey.toString(), ageFile.toString());
        assertThat(decrypted.exit).as(decrypted.err).isZero();
        assertThat(decrypted.outDigest).isEqualTo(expected);
        Files.delete(ageFile);

        Path pgpFile = work.resolve("big.gpg");
        expected = pipeGenerated(size, 20, "encrypt", "--pgp-recipient", ourPgpKey + ".pub", "-o", pgpFile.toString());
        Path out = outDir.resolve("big");
        Proc pgp = javaCrypt(null, "decrypt", "-i", ourPgpKey.toString(), "-o", out.toString(), pgpFile.toString());
        assertThat(pgp.exit).as(pgp.err).isZero();
        assertThat(Files.size(out)).isEqualTo(size);
        assertThat(digest(out)).isEqualTo(expected);
    }

    // ---------------------------------------------------------------- repository key slots

    /**
     * Key slots for the holders of an age-keygen identity and a gpg key (protected): each opens the
     * repository without the password; the real age tool can unwrap the age slot's keyring key; a
     * removed slot no longer opens; rotation takes well under a second.
     */
    @Test
    void repositoryKeySlotsOpenWithAgeKeygenIdentitiesAndGpgKeys() throws Exception {
        Path repo = work.resolve("repo");
        Path pw = CliTestSupport.passwordFile(work.resolve("pw"), "repository password");
        List<String> init = new ArrayList<>(List.of("init", "--repo", repo.toString(), "--password-file", pw.toString()));
        init.addAll(Arrays.asList(CliTestSupport.FAST_INIT));
        assertThat(CliTestSupport.run(init.toArray(String[]::new)).exit()).isZero();
        Path src = CliTestSupport.sampleTree(work.resolve("src"), 5);
        CliTestSupport.ok(repo, pw, "backup", src.toString());

        String ageSlot = CliTestSupport.ok(repo, pw, "key add", "--age-recipient", theirAgeRecipient, "--label", "dr-site", "--json")
                .json().get("id").asText();
        var pgpAdded = CliTestSupport.ok(repo, pw, "key add", "--pgp-key", gpgEdPublic.toString(), "--label", "security", "--json").json();
        String gpgFingerprint = new String(ok(gpg(null, "--with-colons", "--list-keys", "their-ed@example.org")).out, StandardCharsets.UTF_8)
                .lines().filter(l -> l.startsWith("fpr:")).findFirst().orElseThrow().split(":")[9];
        assertThat(pgpAdded.get("fingerprint").asText()).isEqualTo(gpgFingerprint);

        CliTestSupport.Run withAge = CliTestSupport.run("snapshots", "--repo", repo.toString(), "--age-identity", theirAgeKey.toString(), "--json");
        assertThat(withAge.exit()).as(withAge.toString()).isZero();
        assertThat(withAge.json()).hasSize(1);
        Path restored = work.resolve("restored");
        CliTestSupport.Run withGpg = CliTestSupport.run("restore", "latest", "--target", restored.toString(), "--repo", repo.toString(),
                "--pgp-secret-key", gpgEdSecret.toString(), "--pgp-passphrase-file", gpgPassphrase.toString());
        assertThat(withGpg.exit()).as(withGpg.toString()).isZero();
        assertThat(CliTestSupport.regularFiles(restored.resolve("src")).keySet()).isEqualTo(CliTestSupport.regularFiles(src).keySet());

        CliTestSupport.assertOneLineError(CliTestSupport.run("snapshots", "--repo", repo.toString(), "--pgp-secret-key", gpgEdSecret.toString()),
                ExitCodes.WRONG_KEY, "protected");
        CliTestSupport.assertOneLineError(CliTestSupport.run("snapshots", "--repo", repo.toString(), "--age-identity", ourAgeKey.toString()),
                ExitCodes.WRONG_KEY, "no key slot of " + repo + " opens with the age identity");
        Path exposed = work.resolve("exposed.txt");
        Files.copy(theirAgeKey, exposed);
        Files.setPosixFilePermissions(exposed, PosixFilePermissions.fromString("rw-r--r--"));
        CliTestSupport.assertOneLineError(CliTestSupport.run("snapshots", "--repo", repo.toString(), "--age-identity", exposed.toString()),
                ExitCodes.ERROR, "accessible by group or others");

        var slots = CliTestSupport.ok(repo, pw, "key list", "--json").json();
        assertThat(slots).hasSize(3);
        assertThat(slots.findValuesAsText("kind")).containsExactly("passphrase", "age", "pgp");

        // Recovery with standard tools: age itself opens the slot's wrap of the keyring key.
        Path wraps = repo.resolve("keys/wraps");
        Path wrap;
        try (var files = Files.walk(wraps)) {
            wrap = files.filter(f -> f.getFileName().toString().equals(ageSlot)).findFirst().orElseThrow();
        }
        Proc unwrapped = ok(exec(null, "age", "-d", "-i", theirAgeKey.toString(), wrap.toString()));
        assertThat(unwrapped.out()).hasSize(32);

        var rotated = CliTestSupport.ok(repo, pw, "key rotate", "--json").json();
        assertThat(rotated.get("millis").asLong()).isLessThan(1000);
        var status = CliTestSupport.ok(repo, pw, "key status", "--json", "--scan").json();
        assertThat(status.get("currentEpoch").asText()).isEqualTo(rotated.get("currentEpoch").asText());
        assertThat(status.get("daysUntilRotation").asInt()).isEqualTo(90);
        assertThat(status.get("epochs")).hasSize(2);
        for (var epoch : status.get("epochs")) {
            if (epoch.get("current").asBoolean()) {
                assertThat(epoch.get("packBytes").asLong()).as("nothing written since the rotation: %s", epoch).isZero();
            } else {
                assertThat(epoch.get("packBytes").asLong()).as(epoch.toString()).isPositive();
                assertThat(epoch.get("sealedObjects").asInt()).as("snapshot and index").isGreaterThanOrEqualTo(2);
            }
        }

        CliTestSupport.ok(repo, pw, "key remove", ageSlot);
        CliTestSupport.assertOneLineError(CliTestSupport.run("snapshots", "--repo", repo.toString(), "--age-identity", theirAgeKey.toString()),
                ExitCodes.WRONG_KEY, "no key slot");
    }

    // ---------------------------------------------------------------- helpers

    /** What one in-process {@code summit-dr crypt …} did; {@code stdout} is the binary stream. */
    record Run(int exit, byte[] stdout, String out, String err) {
        CliTestSupport.Run asCliRun() {
            return new CliTestSupport.Run(exit, out, err);
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout " + stdout.length + " bytes, text:\n" + out + "--- stderr\n" + err;
        }
    }

    /** What a process did. */
    record Proc(int exit, byte[] out, String err, byte[] outDigest) {
    }

    private static Run crypt(byte[] stdin, String... args) {
        ByteArrayOutputStream binary = new ByteArrayOutputStream();
        Supplier<InputStream> savedIn = CryptCommand.stdin;
        Supplier<OutputStream> savedOut = CryptCommand.stdout;
        CryptCommand.stdin = () -> new ByteArrayInputStream(stdin == null ? new byte[0] : stdin);
        CryptCommand.stdout = () -> binary;
        try {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            String[] full = new String[args.length + 1];
            full[0] = "crypt";
            System.arraycopy(args, 0, full, 1, args.length);
            int exit = Main.execute(full, new PrintWriter(out, true), new PrintWriter(err, true));
            return new Run(exit, binary.toByteArray(), out.toString(), err.toString());
        } finally {
            CryptCommand.stdin = savedIn;
            CryptCommand.stdout = savedOut;
        }
    }

    private static Run okCrypt(String... args) {
        Run r = crypt(null, args);
        assertThat(r.exit).as("crypt %s\n%s", String.join(" ", args), r).isZero();
        return r;
    }

    /** Runs a failing command and checks the promise: one line, the exit code, nothing at {@code out}, no temp files. */
    private Run assertFailsCleanly(Path out, int exit, String fragment, String... args) throws IOException {
        Run r = crypt(null, args);
        CliTestSupport.assertOneLineError(r.asCliRun(), exit, fragment);
        assertThat(out).doesNotExist();
        try (var files = Files.list(out.toAbsolutePath().getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).as("temporary files left").noneMatch(n -> n.endsWith(".partial"));
        }
        return r;
    }

    private static Proc exec(byte[] stdin, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 120 s");
        }
        return new Proc(p.exitValue(), out.join(), new String(err.join(), StandardCharsets.UTF_8), null);
    }

    private static Proc gpg(byte[] stdin, String... args) throws IOException, InterruptedException {
        return gpgIn(gnupgHome, stdin, args);
    }

    private static Proc gpgIn(Path home, byte[] stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("gpg", "--batch", "--quiet", "--homedir", home.toString(),
                "--pinentry-mode", "loopback", "--trust-model", "always"));
        command.addAll(Arrays.asList(args));
        return exec(stdin, command.toArray(String[]::new));
    }

    /** Runs {@code age ARGS} on a pseudo-terminal (script -qec) that is fed {@code typed}. */
    private static Proc ageOnTty(String typed, String... ageArgs) throws IOException, InterruptedException {
        StringBuilder command = new StringBuilder("age");
        for (String arg : ageArgs) {
            command.append(" '").append(arg.replace("'", "'\\''")).append('\'');
        }
        return exec(typed.getBytes(StandardCharsets.UTF_8), "script", "-qec", command.toString(), "/dev/null");
    }

    /** The first position from {@code from} whose base64 letter or digit stays one when its low bit flips. */
    private static int base64Flippable(byte[] bytes, int from) {
        for (int i = from; ; i++) {
            if (Character.isLetterOrDigit(bytes[i]) && Character.isLetterOrDigit(bytes[i] ^ 1)) {
                return i;
            }
        }
    }

    private static Proc ok(Proc p) {
        assertThat(p.exit).as("exit %d: %s", p.exit, p.err).isZero();
        return p;
    }

    /** Runs the CLI in its own JVM with a 64 MiB heap; returns the SHA-256 of what it printed. */
    private Proc javaCrypt(byte[] stdin, String... args) throws IOException, InterruptedException {
        Process p = javaProcess(args);
        CompletableFuture<byte[]> digest = CompletableFuture.supplyAsync(() -> digestOf(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        }
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("finished").isTrue();
        return new Proc(p.exitValue(), null, new String(err.join(), StandardCharsets.UTF_8), digest.join());
    }

    /** Streams {@code size} seeded random bytes into the CLI's stdin; returns their SHA-256. */
    private byte[] pipeGenerated(long size, long seed, String... args) throws Exception {
        Process p = javaProcess(args);
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        CompletableFuture.runAsync(() -> readAll(p.getInputStream()));
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Random random = new Random(seed);
        byte[] block = new byte[1 << 20];
        try (OutputStream in = p.getOutputStream()) {
            for (long written = 0; written < size; written += block.length) {
                random.nextBytes(block);
                in.write(block);
                sha.update(block);
            }
        }
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("finished").isTrue();
        assertThat(p.exitValue()).as(new String(err.join(), StandardCharsets.UTF_8)).isZero();
        return sha.digest();
    }

    private static Process javaProcess(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-Dslf4j.provider=org.slf4j.simple.SimpleServiceProvider", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "crypt"));
        command.addAll(Arrays.asList(args));
        return new ProcessBuilder(command).start();
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] digestOf(InputStream in) {
        try (in) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                sha.update(buffer, 0, n);
            }
            return sha.digest();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] digest(Path file) throws IOException {
        return digestOf(Files.newInputStream(file));
    }

    private static boolean onPath(String binary) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, binary))) {
                return true;
            }
        }
        return false;
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private Path randomFile(String name, int size, long seed) throws IOException {
        return Files.write(work.resolve(name), random(size, seed));
    }

    private static Path privateFile(Path file, String line) throws IOException {
        Files.writeString(file, line + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
