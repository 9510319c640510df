package dr.summit.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;

/**
 * Files that hold secrets (identities, secret keys): refused when group or others may read or
 * write them, as ssh refuses private keys; created with mode 600 from the first byte. Passphrase
 * files go through {@link RepositoryOptions#readSecretFile}, which applies the same rule.
 */
final class SecretFiles {
    /** Larger than any identity or key file; a bigger file was given by mistake. */
    private static final int MAX_BYTES = 1 << 20;

    private SecretFiles() {
    }

    /** The bytes of a private file; {@code what} names it in errors ("identity file"). Zero them after use. */
    static byte[] readPrivate(Path file, String what) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)
                    || perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new CommandFailure(what + " " + file + " is accessible by group or others; run: chmod 600 " + file);
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new CommandFailure(what + " " + file + " is larger than 1 MiB; is it really a key?");
            }
            try (InputStream in = Files.newInputStream(file)) {
                return in.readAllBytes();
            }
        } catch (NoSuchFileException e) {
            throw new CommandFailure(what + " " + file + " does not exist");
        } catch (IOException e) {
            throw new CommandFailure("cannot read " + what + " " + file + ": " + e.getMessage());
        }
    }

    /** Writes a new file with mode 600 (or {@code mode}); refuses to replace an existing one. */
    static void writeNew(Path file, byte[] content, String mode) {
        try (OutputStream out = Files.newOutputStream(Files.createFile(file,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode))), StandardOpenOption.WRITE)) {
            out.write(content);
        } catch (FileAlreadyExistsException e) {
            throw new CommandFailure(file + " already exists; not overwriting a key");
        } catch (IOException e) {
            throw new CommandFailure("cannot write " + file + ": " + e.getMessage());
        }
    }

    /** ASCII/UTF-8 bytes as chars without an intermediate String, so the caller can zero both. */
    static char[] chars(byte[] bytes) {
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = (char) (bytes[i] & 0xff);
        }
        return chars;
    }

    /** The reverse of {@link #chars}, for ASCII text. */
    static byte[] bytes(char[] chars) {
        byte[] bytes = new byte[chars.length];
        for (int i = 0; i < chars.length; i++) {
            bytes[i] = (byte) chars[i];
        }
        return bytes;
    }

    static void zero(byte[] bytes) {
        if (bytes != null) {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    static void zero(char[] chars) {
        if (chars != null) {
            Arrays.fill(chars, '\0');
        }
    }

    /**
     * The OpenPGP secret keys in the bytes of a key file; {@code where} names the file in errors
     * ("identity file /root/key.asc"). The caller zeroes {@code bytes}.
     */
    static java.util.List<org.bouncycastle.openpgp.PGPSecretKeyRing> pgpSecretKeys(byte[] bytes, String where) {
        try {
            return dr.summit.repository.crypto.envelope.PgpKeys.readSecretKeys(new java.io.ByteArrayInputStream(bytes));
        } catch (dr.summit.repository.crypto.envelope.EnvelopeException e) {
            throw new CommandFailure(where + ": " + e.getMessage());
        } catch (IOException e) {
            throw new CommandFailure(where + ": not an OpenPGP secret key (" + e.getMessage() + ")");
        }
    }
}
