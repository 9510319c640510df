package dr.summit.neo4j.source;

import dr.summit.neo4j.Neo4jFailure;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Logging;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.exceptions.AuthenticationException;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.driver.exceptions.Neo4jException;
import org.neo4j.driver.exceptions.SecurityException;
import org.neo4j.driver.exceptions.ServiceUnavailableException;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One Bolt connection to one database, with the driver's exceptions turned into one-line
 * operator messages (unreachable, refused credentials, missing plugin).
 */
public final class Neo4jConnection implements AutoCloseable {
    private final String uri;
    private final String database;
    private final Driver driver;

    public record Settings(String uri, String user, String password, String database) {
    }

    private Neo4jConnection(String uri, String database, Driver driver) {
        this.uri = uri;
        this.database = database;
        this.driver = driver;
    }

    public static Neo4jConnection open(Settings s) {
        Driver driver;
        try {
            driver = GraphDatabase.driver(s.uri(), s.password() == null ? AuthTokens.none() : AuthTokens.basic(s.user(), s.password()),
                    Config.builder().withConnectionTimeout(10, TimeUnit.SECONDS).withLogging(Logging.none())
                            .withMaxTransactionRetryTime(5, TimeUnit.SECONDS).build());
        } catch (IllegalArgumentException e) {
            throw new Neo4jFailure("invalid --uri '" + s.uri() + "': " + e.getMessage());
        }
        Neo4jConnection c = new Neo4jConnection(s.uri(), s.database(), driver);
        try {
            driver.verifyConnectivity();
            c.read(session -> session.run("RETURN 1").consume());
        } catch (RuntimeException e) {
            driver.close();
            throw c.failure("connecting", e);
        }
        return c;
    }

    /**
     * Connects once Neo4j has started, trying every {@code poll} until {@code wait} has passed (an
     * offline restore waits for the operator to start the server on the imported database). A
     * refused password ends the wait at once: retrying cannot fix it. Otherwise the last failure.
     */
    public static Neo4jConnection await(Settings s, Duration wait, Duration poll) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            try {
                return open(s);
            } catch (Neo4jFailure e) {
                if (e.getMessage().contains("refused") || System.nanoTime() + poll.toNanos() > deadline) {
                    throw e;
                }
            }
            Thread.sleep(poll.toMillis());
        }
    }

    public String uri() {
        return uri;
    }

    public String database() {
        return database;
    }

    public Session session() {
        return driver.session(SessionConfig.forDatabase(database));
    }

    /** A session that pulls {@code fetchSize} records at a time (large rows: keep few in flight). */
    public Session session(long fetchSize) {
        return driver.session(SessionConfig.builder().withDatabase(database).withFetchSize(fetchSize).build());
    }

    public <T> T read(Function<Session, T> work) {
        try (Session session = session()) {
            return work.apply(session);
        } catch (Neo4jFailure e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure("reading", e);
        }
    }

    /** The operator's message for a driver error during {@code what}. */
    public Neo4jFailure failure(String what, RuntimeException e) {
        if (e instanceof Neo4jFailure f) {
            return f;
        }
        if (e instanceof ServiceUnavailableException) {
            return new Neo4jFailure("cannot reach Neo4j at " + uri + " (" + firstLine(e.getMessage()) + ")", e);
        }
        if (e instanceof AuthenticationException) {
            return new Neo4jFailure("Neo4j at " + uri + " refused the credentials (wrong user or password)", e);
        }
        if (e instanceof SecurityException) {
            return new Neo4jFailure("Neo4j at " + uri + " refused access: " + firstLine(e.getMessage()), e);
        }
        if (e instanceof ClientException ce && "Neo.ClientError.Procedure.ProcedureNotFound".equals(ce.code())) {
            return new Neo4jFailure("the summit-dr plugin is not installed in Neo4j at " + uri + ": run 'summit-dr neo4j plugin --output "
                    + "<NEO4J_HOME>/plugins' on the server and restart Neo4j", e);
        }
        if (e instanceof ClientException ce && "Neo.ClientError.Database.DatabaseNotFound".equals(ce.code())) {
            return new Neo4jFailure("Neo4j at " + uri + " has no database '" + database + "'", e);
        }
        if (e instanceof Neo4jException ne) {
            return new Neo4jFailure("Neo4j at " + uri + " (database " + database + "), " + what + ": " + firstLine(ne.getMessage())
                    + (ne.code() == null ? "" : " [" + ne.code() + "]"), e);
        }
        return new Neo4jFailure("Neo4j at " + uri + ", " + what + ": " + e, e);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    @Override
    public void close() {
        driver.close();
    }
}
