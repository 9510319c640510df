package dr.summit.cli;

import dr.summit.postgres.connect.ConnectionSettingsException;
import dr.summit.postgres.connect.PgConnector;
import dr.summit.postgres.stream.StreamSettings;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.Map;

/** The WAL receiver's options, shared by 'pg stream' and 'agent --stream'. */
public final class StreamOptions {
    @Option(names = "--dsn", paramLabel = "CONNINFO", description = {"Connection string of the primary as libpq takes it, as for 'pg backup' "
            + "(PGHOST, PGPORT, PGUSER, PGSERVICE… fill in the rest; PGHOST may name a socket directory). The role needs REPLICATION."})
    String dsn;
    @Option(names = "--slot", defaultValue = StreamSettings.DEFAULT_SLOT,
            description = "Physical replication slot, created when missing (default ${DEFAULT-VALUE}).")
    String slot;
    @Option(names = "--application-name", defaultValue = StreamSettings.DEFAULT_APPLICATION_NAME,
            description = "Name the primary knows the receiver by, for synchronous_standby_names (default ${DEFAULT-VALUE}).")
    String applicationName;

    StreamSettings settings() {
        try {
            return StreamSettings.defaults(slot);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage(), ExitCodes.USAGE);
        }
    }

    /** The replication connection's settings; what libpq would warn about goes to {@code err}. */
    PgConnector connector(PrintWriter err) {
        try {
            PgConnector connector = PgConnector.forDsn(dsn, Map.of("replication", "true", "application_name", applicationName),
                    RepositoryOptions.env);
            connector.warnings().forEach(w -> err.println("warning: " + w));
            return connector;
        } catch (ConnectionSettingsException | IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage(), ExitCodes.USAGE);
        }
    }
}
