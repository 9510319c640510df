package dr.summit.neo4j;

import dr.summit.neo4j.source.Neo4jConnection;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.SessionConfig;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;

import java.nio.file.Path;

/** A real in-process Neo4j 5.26 (neo4j-harness) with Bolt on a free port. */
final class Neo4jHarness implements AutoCloseable {
    static final String PASSWORD = "summit-secret-1";
    final Neo4j neo4j;
    final boolean auth;

    private Neo4jHarness(Neo4j neo4j, boolean auth) {
        this.neo4j = neo4j;
        this.auth = auth;
    }

    /** {@code plugins} null: a server without the summit-dr plugin. {@code auth}: password PASSWORD. */
    static Neo4jHarness start(Path dir, Path plugins, boolean auth) {
        return start(dir, plugins, auth, null);
    }

    /** {@code home}: a Neo4j home whose data/ (a database neo4j-admin imported) the server starts on, copied. */
    static Neo4jHarness start(Path dir, Path plugins, boolean auth, Path home) {
        return start(dir, plugins, auth, home, 0);
    }

    /** {@code boltPort}: Bolt on localhost at that port (0: a free one), for a client that already knows the address. */
    static Neo4jHarness start(Path dir, Path plugins, boolean auth, Path home, int boltPort) {
        var builder = Neo4jBuilders.newInProcessBuilder(dir).withDisabledServer()
                .withConfig(GraphDatabaseSettings.udc_enabled, false)
                .withConfig(GraphDatabaseSettings.auth_enabled, auth);
        if (boltPort != 0) {
            builder = builder.withConfig(org.neo4j.configuration.connectors.BoltConnector.listen_address,
                    new org.neo4j.configuration.helpers.SocketAddress("localhost", boltPort));
        }
        if (home != null) {
            builder = builder.copyFrom(home);
        }
        if (plugins != null) {
            builder = builder.withConfig(GraphDatabaseSettings.plugin_dir, plugins);
        }
        // The server's launcher puts plugins/*.jar on the class path, which is how Neo4j finds a
        // plugin's ExtensionFactory (procedures are loaded from the directory by Neo4j itself).
        // In process, the same is a context class loader over the directory's jars while it starts.
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        Neo4j neo4j;
        try (java.net.URLClassLoader loader = pluginLoader(plugins, previous)) {
            thread.setContextClassLoader(loader);
            neo4j = builder.build();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            thread.setContextClassLoader(previous);
        }
        if (auth) {
            try (var driver = GraphDatabase.driver(neo4j.boltURI(), AuthTokens.basic("neo4j", "neo4j"));
                 var session = driver.session(SessionConfig.forDatabase("system"))) {
                session.run("ALTER CURRENT USER SET PASSWORD FROM 'neo4j' TO '" + PASSWORD + "'").consume();
            }
        }
        return new Neo4jHarness(neo4j, auth);
    }

    private static java.net.URLClassLoader pluginLoader(Path plugins, ClassLoader parent) throws java.io.IOException {
        java.util.List<java.net.URL> jars = new java.util.ArrayList<>();
        if (plugins != null) {
            try (var files = java.nio.file.Files.list(plugins)) {
                for (Path p : files.filter(f -> f.toString().endsWith(".jar")).toList()) {
                    jars.add(p.toUri().toURL());
                }
            }
        }
        return new java.net.URLClassLoader(jars.toArray(new java.net.URL[0]), parent);
    }

    String uri() {
        return neo4j.boltURI().toString();
    }

    Neo4jConnection.Settings settings() {
        return new Neo4jConnection.Settings(uri(), "neo4j", auth ? PASSWORD : null, "neo4j");
    }

    Neo4jConnection connect() {
        return Neo4jConnection.open(settings());
    }

    @Override
    public void close() {
        neo4j.close();
    }
}
