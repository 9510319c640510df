package dr.summit.repository.crypto.envelope;

import dr.summit.repository.crypto.envelope.EnvelopeException.Reason;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.KeyIdentifier;
import org.bouncycastle.bcpg.SecretKeyPacket;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPCompressedData;
import org.bouncycastle.openpgp.PGPDataValidationException;
import org.bouncycastle.openpgp.PGPEncryptedData;
import org.bouncycastle.openpgp.PGPEncryptedDataGenerator;
import org.bouncycastle.openpgp.PGPEncryptedDataList;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPLiteralDataGenerator;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPOnePassSignatureList;
import org.bouncycastle.openpgp.PGPPBEEncryptedData;
import org.bouncycastle.openpgp.PGPKeyPair;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyEncryptedData;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.bc.BcPBEDataDecryptorFactory;
import org.bouncycastle.openpgp.operator.bc.BcPBEKeyEncryptionMethodGenerator;
import org.bouncycastle.openpgp.operator.bc.BcPBESecretKeyDecryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDataEncryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyDataDecryptorFactory;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyKeyEncryptionMethodGenerator;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Date;
import java.util.Iterator;
import java.util.List;

/**
 * OpenPGP messages (RFC 4880 as gpg 2.2 speaks it), binary or ASCII-armored, streamed.
 * <p>
 * We always write AES-256 in a symmetrically encrypted integrity-protected packet (SEIPD v1 with
 * MDC) and never decrypt a message without integrity protection. The MDC covers the whole message
 * and is checked only at its end, so {@link #decrypt} has written the plaintext to {@code out} before
 * it knows whether the message was modified: callers write to a temporary file and publish it only
 * after {@code decrypt} returned.
 */
public final class PgpEnvelope {
    private static final int BUFFER = 64 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    private PgpEnvelope() {
    }

    /**
     * Encrypts {@code in} to the given encryption keys and/or a passphrase (at least one) as a literal
     * data packet named {@code fileName}; {@code out} is flushed, not closed.
     */
    public static void encrypt(InputStream in, OutputStream out, List<PGPPublicKey> recipients, char[] passphrase,
                               String fileName, boolean armor) throws IOException {
        if (recipients.isEmpty() && passphrase == null) {
            throw new IllegalArgumentException("a recipient or a passphrase is needed");
        }
        PGPEncryptedDataGenerator generator = new PGPEncryptedDataGenerator(
                new BcPGPDataEncryptorBuilder(SymmetricKeyAlgorithmTags.AES_256).setWithIntegrityPacket(true).setSecureRandom(RANDOM));
        for (PGPPublicKey key : recipients) {
            generator.addMethod(new BcPublicKeyKeyEncryptionMethodGenerator(key).setSecureRandom(RANDOM));
        }
        if (passphrase != null) {
            if (passphrase.length == 0) {
                throw new IllegalArgumentException("empty passphrase");
            }
            try {
                generator.addMethod(new BcPBEKeyEncryptionMethodGenerator(passphrase,
                        new BcPGPDigestCalculatorProvider().get(HashAlgorithmTags.SHA256), PgpKeys.S2K_COUNT).setSecureRandom(RANDOM));
            } catch (PGPException e) {
                throw new IllegalStateException("no SHA-256 for the passphrase S2K", e);
            }
        }
        OutputStream unclosed = new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.flush();
            }
        };
        OutputStream target = armor ? ArmoredOutputStream.builder().clearHeaders().build(unclosed) : unclosed;
        try (target;
             OutputStream encrypted = generator.open(target, new byte[BUFFER]);
             OutputStream literal = new PGPLiteralDataGenerator().open(encrypted, PGPLiteralData.BINARY,
                     fileName == null ? "" : fileName, new Date(), new byte[BUFFER])) {
            in.transferTo(literal);
        } catch (PGPException e) {
            throw new IllegalStateException("OpenPGP encryption failed: " + e.getMessage(), e);
        }
        out.flush();
    }

    /**
     * Decrypts a message with one of {@code secretKeys} (may be empty) or the passphrase (may be null;
     * it also unlocks protected secret keys). Refuses messages without integrity protection before
     * reading any plaintext; checks the MDC after the last byte.
     *
     * @throws EnvelopeException when nothing opens the message, or it is damaged or unprotected
     * @throws IOException       when reading the input or writing {@code out} fails
     */
    public static void decrypt(InputStream in, OutputStream out, List<PGPSecretKeyRing> secretKeys, char[] passphrase) throws IOException {
        BufferedInputStream buffered = in instanceof BufferedInputStream b ? b : new BufferedInputStream(in, BUFFER);
        WriteTracking tracked = new WriteTracking(out);
        PGPEncryptedDataList list = encryptedDataList(buffered);
        Opened opened = open(list, secretKeys, passphrase);
        try {
            copyPlaintext(opened.clear(), tracked);
            if (!opened.data().isAEAD() && !opened.data().verify()) {
                throw new EnvelopeException(Reason.AUTHENTICATION_FAILED,
                        "authentication failed: the integrity check (MDC) does not match, the message was modified");
            }
        } catch (EOFException e) {
            rethrowWriteFailure(tracked, e);
            throw new EnvelopeException(Reason.TRUNCATED, "truncated: the message ends early", e);
        } catch (IOException | PGPException | RuntimeException e) {
            if (e instanceof EnvelopeException envelope) {
                throw envelope;
            }
            rethrowWriteFailure(tracked, e);
            // Garbage after decryption (bad packet headers, a broken zlib stream, a CRC error in the
            // armor) means the ciphertext was modified or cut, which the MDC would confirm.
            throw new EnvelopeException(Reason.AUTHENTICATION_FAILED,
                    "authentication failed: the message was modified or is truncated (" + e.getMessage() + ")", e);
        }
        out.flush();
    }

    private static PGPEncryptedDataList encryptedDataList(BufferedInputStream in) throws IOException {
        try {
            BcPGPObjectFactory factory = new BcPGPObjectFactory(PGPUtil.getDecoderStream(in));
            Object object = factory.nextObject();
            while (object instanceof PGPMarker) {
                object = factory.nextObject();
            }
            if (object instanceof PGPEncryptedDataList list && !list.isEmpty()) {
                return list;
            }
            throw new EnvelopeException(Reason.MALFORMED, "not an encrypted OpenPGP message");
        } catch (EOFException e) {
            throw new EnvelopeException(Reason.TRUNCATED, "truncated: the message ends inside its header", e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof EnvelopeException envelope) {
                throw envelope;
            }
            throw new EnvelopeException(Reason.MALFORMED, "not a valid OpenPGP message (" + e.getMessage() + ")", e);
        }
    }

    private record Opened(PGPEncryptedData data, InputStream clear) {
    }

    /** Tries the secret keys on the public-key packets, then the passphrase on the passphrase packets. */
    private static Opened open(PGPEncryptedDataList list, List<PGPSecretKeyRing> secretKeys, char[] passphrase) {
        if (!list.isIntegrityProtected() && !list.get(0).isAEAD()) {
            throw new EnvelopeException(Reason.UNSUPPORTED,
                    "the message has no integrity protection (no MDC); refusing to decrypt it");
        }
        EnvelopeException failure = null;
        boolean hasPassphrasePacket = false;
        boolean hasPublicKeyPacket = false;
        for (PGPEncryptedData data : list) {
            if (data instanceof PGPPublicKeyEncryptedData pk) {
                hasPublicKeyPacket = true;
                KeyIdentifier recipient = pk.getKeyIdentifier();
                for (PGPSecretKey key : candidates(secretKeys, recipient)) {
                    try {
                        PGPKeyPair pair = new PGPKeyPair(key.getPublicKey(), privateKey(key, passphrase));
                        return new Opened(pk, pk.getDataStream(new BcPublicKeyDataDecryptorFactory(pair)));
                    } catch (EnvelopeException e) {
                        failure = e;
                    } catch (PGPException | RuntimeException e) {
                        // a wildcard recipient that was not this key, or a damaged session key packet
                        if (failure == null && !recipient.isWildcard()) {
                            failure = new EnvelopeException(Reason.AUTHENTICATION_FAILED,
                                    "the session key for " + PgpKeys.keyId(key.getKeyID()) + " does not decrypt: the message was modified", e);
                        }
                    }
                }
            } else if (data instanceof PGPPBEEncryptedData) {
                hasPassphrasePacket = true;
            }
        }
        if (passphrase != null) {
            for (PGPEncryptedData data : list) {
                if (data instanceof PGPPBEEncryptedData pbe) {
                    try {
                        return new Opened(pbe, pbe.getDataStream(new BcPBEDataDecryptorFactory(passphrase, new BcPGPDigestCalculatorProvider())));
                    } catch (PGPDataValidationException e) {
                        failure = new EnvelopeException(Reason.WRONG_PASSPHRASE, "wrong passphrase", e);
                    } catch (PGPException | RuntimeException e) {
                        failure = new EnvelopeException(Reason.WRONG_PASSPHRASE, "wrong passphrase (" + e.getMessage() + ")", e);
                    }
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        if (hasPassphrasePacket && passphrase == null && (!hasPublicKeyPacket || secretKeys == null || secretKeys.isEmpty())) {
            throw new EnvelopeException(Reason.PASSPHRASE_REQUIRED, "the message is encrypted with a passphrase");
        }
        throw new EnvelopeException(Reason.NO_MATCHING_IDENTITY, "no identity matches any recipient");
    }

    /** Secret keys that may decrypt a packet for {@code keyId}; every decryption key for a wildcard (0) id. */
    private static List<PGPSecretKey> candidates(List<PGPSecretKeyRing> rings, KeyIdentifier recipient) {
        List<PGPSecretKey> keys = new ArrayList<>();
        if (rings == null) {
            return keys;
        }
        if (!recipient.isWildcard()) {
            PGPSecretKey key = PgpKeys.secretKey(rings, recipient);
            if (key != null && !key.isPrivateKeyEmpty()) {
                keys.add(key);
            }
            return keys;
        }
        for (PGPSecretKeyRing ring : rings) {
            Iterator<PGPSecretKey> it = ring.getSecretKeys();
            while (it.hasNext()) {
                PGPSecretKey key = it.next();
                if (!key.isPrivateKeyEmpty() && key.getPublicKey().isEncryptionKey()) {
                    keys.add(key);
                }
            }
        }
        return keys;
    }

    private static PGPPrivateKey privateKey(PGPSecretKey key, char[] passphrase) {
        try {
            if (key.getS2KUsage() == SecretKeyPacket.USAGE_NONE) {
                return key.extractPrivateKey(null);
            }
            if (passphrase == null) {
                throw new EnvelopeException(Reason.PASSPHRASE_REQUIRED,
                        "secret key " + PgpKeys.keyId(key.getKeyID()) + " is protected by a passphrase");
            }
            return key.extractPrivateKey(new BcPBESecretKeyDecryptorBuilder(new BcPGPDigestCalculatorProvider()).build(passphrase));
        } catch (PGPException e) {
            throw new EnvelopeException(Reason.WRONG_PASSPHRASE,
                    "wrong passphrase for secret key " + PgpKeys.keyId(key.getKeyID()), e);
        }
    }

    /** Unpacks compression and one-pass signatures down to the literal data and copies it. */
    private static void copyPlaintext(InputStream clear, OutputStream out) throws IOException, PGPException {
        BcPGPObjectFactory factory = new BcPGPObjectFactory(clear);
        Object object = factory.nextObject();
        if (object instanceof PGPCompressedData compressed) {
            factory = new BcPGPObjectFactory(compressed.getDataStream());
            object = factory.nextObject();
        }
        while (object instanceof PGPOnePassSignatureList || object instanceof PGPSignatureList || object instanceof PGPMarker) {
            object = factory.nextObject();
        }
        if (!(object instanceof PGPLiteralData literal)) {
            throw new IOException("no literal data inside the encrypted packet");
        }
        InputStream data = literal.getInputStream();
        byte[] buffer = new byte[BUFFER];
        int n;
        while ((n = data.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
        }
        // Signatures that follow the literal data are not checked (decryption only), but must be read
        // so the MDC covers them.
        while (factory.nextObject() != null) {
            // skip
        }
        clear.transferTo(OutputStream.nullOutputStream());
    }

    private static void rethrowWriteFailure(WriteTracking tracked, Exception e) throws IOException {
        if (tracked.failure != null) {
            throw tracked.failure;
        }
    }

    /** Remembers a failed write so it is reported as such and not as damaged input. */
    private static final class WriteTracking extends FilterOutputStream {
        IOException failure;

        WriteTracking(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }
    }
}
