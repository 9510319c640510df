package dr.summit.repository.crypto.envelope;

import com.exceptionfactory.jagged.RecipientStanza;

import java.security.GeneralSecurityException;
import java.util.List;

/** A recipient stanza we write ourselves (the scrypt one); jagged encodes it into the header. */
record AgeStanza(String type, List<String> arguments, byte[] body) implements RecipientStanza {
    @Override
    public String getType() {
        return type;
    }

    @Override
    public List<String> getArguments() {
        return arguments;
    }

    @Override
    public byte[] getBody() {
        return body.clone();
    }

    /**
     * Carries an {@link EnvelopeException} through jagged, whose reader interface only lets
     * {@link GeneralSecurityException} out; {@link AgeEnvelope} unwraps it.
     */
    static final class Failure extends GeneralSecurityException {
        private final transient EnvelopeException envelope;

        Failure(EnvelopeException.Reason reason, String message) {
            super(message);
            this.envelope = new EnvelopeException(reason, message);
        }

        EnvelopeException envelope() {
            return envelope;
        }
    }
}
