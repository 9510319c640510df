package dr.summit.postgres.connect;

/**
 * The connection settings cannot be used as given (a malformed --dsn, an unknown option, a missing
 * service or root certificate). The message names the setting, never a password.
 */
public final class ConnectionSettingsException extends RuntimeException {
    public ConnectionSettingsException(String message) {
        super(message);
    }
}
