package dr.summit.repository.crypto;

import dr.summit.repository.CorruptObjectException;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;

/**
 * AES-256-GCM with a 96-bit nonce and a 128-bit tag. Callers are responsible for never using a
 * (key, nonce) pair twice; the repository does so by construction (one key per pack or object,
 * nonce = offset inside it; docs/repository-format.md, "Encryption").
 */
public final class AesGcm {
    public static final int KEY_BYTES = 32;
    public static final int NONCE_BYTES = 12;
    public static final int TAG_BYTES = 16;

    private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM lacks AES/GCM", e);
        }
    });

    private static final java.util.concurrent.atomic.AtomicBoolean WARMING = new java.util.concurrent.atomic.AtomicBoolean();

    private AesGcm() {
    }

    /**
     * Starts, once per JVM, a background thread that seals and opens many small buffers. Why: the
     * JDK's GCM runs at interpreter speed (tens of MB/s) until the JIT compiles its callers, which
     * a command sealing one 256 KiB blob at a time reaches only late or never; a few thousand small
     * calls get the vectorised GHASH and AES-CTR stubs in place within the first second.
     */
    public static void warmUp() {
        if (!WARMING.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            byte[] key = new byte[KEY_BYTES];
            byte[] plain = new byte[512];
            byte[] out = new byte[plain.length + TAG_BYTES];
            byte[] aad = new byte[8];
            for (int i = 0; i < 12_000; i++) {
                byte[] nonce = nonce(i);
                seal(key, nonce, aad, plain, 0, plain.length, out, 0);
                open(key, nonce, aad, out, 0, out.length, "warm-up");
            }
        }, "summit-gcm-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    /** Nonce holding {@code counter} big-endian in its last 8 bytes. */
    public static byte[] nonce(long counter) {
        byte[] nonce = new byte[NONCE_BYTES];
        for (int i = 0; i < 8; i++) {
            nonce[NONCE_BYTES - 1 - i] = (byte) (counter >>> (8 * i));
        }
        return nonce;
    }

    /** Encrypts plaintext into {@code out} at {@code outOffset}; returns bytes written (length + tag). */
    public static int seal(byte[] key, byte[] nonce, byte[] aad, byte[] plain, int offset, int length,
                           byte[] out, int outOffset) {
        try {
            Cipher cipher = CIPHERS.get();
            try {
                cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
            } catch (java.security.InvalidAlgorithmParameterException sameKeyAndNonceAsLastTime) {
                // The JDK refuses to encrypt twice in a row with one key and nonce on one Cipher. Our
                // keys are per object name, so this only happens when the same object is sealed again
                // (an identical WAL re-push, a test vector): same plaintext, same ciphertext, no leak.
                cipher = Cipher.getInstance("AES/GCM/NoPadding");
                cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
            }
            cipher.updateAAD(aad);
            return cipher.doFinal(plain, offset, length, out, outOffset);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    public static byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plain) {
        byte[] out = new byte[plain.length + TAG_BYTES];
        seal(key, nonce, aad, plain, 0, plain.length, out, 0);
        return out;
    }

    /**
     * Decrypts and authenticates; throws {@link CorruptObjectException} naming {@code what} when the
     * ciphertext or its associated data were altered, or the key is wrong.
     */
    public static byte[] open(byte[] key, byte[] nonce, byte[] aad, byte[] sealed, int offset, int length, String what) {
        if (length < TAG_BYTES) {
            throw new CorruptObjectException(what + ": ciphertext too short (" + length + " bytes)");
        }
        try {
            Cipher cipher = CIPHERS.get();
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
            cipher.updateAAD(aad);
            return cipher.doFinal(sealed, offset, length);
        } catch (AEADBadTagException e) {
            throw new CorruptObjectException(what + ": authentication failed (damaged data or wrong key)");
        } catch (GeneralSecurityException e) {
            throw new CorruptObjectException(what + ": cannot decrypt: " + e.getMessage(), e);
        }
    }
}
