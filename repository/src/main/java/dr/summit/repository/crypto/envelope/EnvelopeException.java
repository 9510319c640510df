package dr.summit.repository.crypto.envelope;

import dr.summit.repository.RepositoryException;

/**
 * Why an envelope could not be written or opened. Messages never hold secrets and do not name the
 * input: the caller knows what it read from and prefixes it (see {@link Reason}).
 */
public final class EnvelopeException extends RepositoryException {
    /** What went wrong, so a caller can word its message and pick an exit code. */
    public enum Reason {
        /** None of the given identities or secret keys can unwrap the file key. */
        NO_MATCHING_IDENTITY,
        /** The passphrase does not open the file (or the protected secret key). */
        WRONG_PASSPHRASE,
        /** The input is passphrase-encrypted (or the secret key is protected) and no passphrase was given. */
        PASSPHRASE_REQUIRED,
        /** A MAC or AEAD tag did not verify: the header or payload was modified. */
        AUTHENTICATION_FAILED,
        /** The input ends before the format says it may. */
        TRUNCATED,
        /** The input is not in a format we read, or breaks its rules. */
        MALFORMED,
        /** A recipient, identity or key file that cannot be used. */
        INVALID_KEY,
        /** The message is valid but uses something we refuse (no integrity protection, unknown stanza). */
        UNSUPPORTED
    }

    private final Reason reason;

    public EnvelopeException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public EnvelopeException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
