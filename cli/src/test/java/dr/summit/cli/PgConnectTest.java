package dr.summit.cli;

import dr.summit.postgres.connect.ConnectionEnvironment;
import dr.summit.postgres.connect.ConnectionResolver;
import dr.summit.postgres.connect.PgConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * pg backup connects wherever psql connects, against two real PostgreSQL 15 servers: one on its
 * UNIX socket only with peer authentication (the command run as the postgres OS user, through
 * PGHOST=directory and through --dsn "host=/dir …"), one on TCP with scram-sha-256 and TLS (a
 * certificate made with openssl here), the password from .pgpass or a service file. Every refusal
 * is one line naming the socket or host, port, user and database, and no password is ever shown.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PgConnectTest {
    private static final String PASSWORD = "Tr0ub4dor:and-3";

    private PgWorkspace ws;
    private Path launcher;
    private PgTestCluster socketOnly;
    private PgTestCluster tcp;
    /** The postgres user's home for these tests: its .pgpass, .pg_service.conf. */
    private Path home;
    private Path caCert;

    @BeforeAll
    void startServers() throws Exception {
        ws = PgWorkspace.create("conn");
        launcher = ws.useJvmLauncher();
        home = Files.createDirectories(ws.work.resolve("home"));

        socketOnly = ws.track(PgTestCluster.create(ws.work.resolve("peer"), archiveCommand(ws.cluster)));
        socketOnly.configure(List.of("listen_addresses = ''"));
        Files.writeString(socketOnly.data.resolve("pg_hba.conf"), "local all postgres peer\n");
        socketOnly.start();

        tcp = ws.track(PgTestCluster.create(ws.work.resolve("tcp"), archiveCommand("conn-tcp")));
        Path tls = Files.createDirectories(ws.work.resolve("tls"));
        caCert = tls.resolve("ca.crt");
        openssl(tls, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
                "-subj", "/CN=summit test CA");
        openssl(tls, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
        Files.writeString(tls.resolve("san.ext"), "subjectAltName=DNS:localhost\n");
        openssl(tls, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt",
                "-days", "2", "-extfile", "san.ext");
        openssl(tls, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=certuser");
        openssl(tls, "x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.crt", "-days", "2");
        PgTestCluster.sh("chmod", "600", tls.resolve("client.key").toString());
        Files.copy(caCert, tcp.data.resolve("ca.crt"));
        Files.copy(tls.resolve("server.crt"), tcp.data.resolve("server.crt"));
        Files.copy(tls.resolve("server.key"), tcp.data.resolve("server.key"));
        PgTestCluster.sh("chown", "postgres:postgres", tcp.data.resolve("server.crt").toString(), tcp.data.resolve("server.key").toString(),
                tcp.data.resolve("ca.crt").toString());
        PgTestCluster.sh("chmod", "600", tcp.data.resolve("server.key").toString());
        PgTestCluster.sh("chmod", "a+rX", tls.toString(), caCert.toString());
        tcp.configure(List.of("ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'", "ssl_ca_file = 'ca.crt'"));
        Files.writeString(tcp.data.resolve("pg_hba.conf"), "local all all trust\nhost all operator 127.0.0.1/32 scram-sha-256\n"
                + "hostssl all certuser 127.0.0.1/32 cert\n");
        tcp.start();
        try (Connection c = viaSocket(tcp); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE operator LOGIN SUPERUSER PASSWORD '" + PASSWORD + "'");
            st.execute("CREATE ROLE certuser LOGIN");
        }
        PgTestCluster.sh("chown", "-R", "postgres:postgres", home.toString());
    }

    @AfterAll
    void stopServers() throws Exception {
        ws.close();
    }

    @Test
    void peerAuthenticationOverTheSocketAsThePostgresUserThroughPghost() throws Exception {
        Run r = asPostgres(Map.of("PGHOST", socketOnly.socketDir.toString(), "PGPORT", Integer.toString(socketOnly.port)),
                "pg backup", "--cluster", ws.cluster, "--pgdata", socketOnly.data.toString());
        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(r.out).contains("base backup");
    }

    @Test
    void peerAuthenticationOverTheSocketThroughAKeywordDsn() throws Exception {
        Run r = asPostgres(Map.of(), "pg backup", "--cluster", ws.cluster, "--pgdata", socketOnly.data.toString(),
                "--dsn", "host=" + socketOnly.socketDir + " port=" + socketOnly.port + " dbname=postgres");
        assertThat(r.exit).as(r.toString()).isZero();
        Run uri = asPostgres(Map.of(), "pg backup", "--cluster", ws.cluster, "--pgdata", socketOnly.data.toString(), "--json",
                "--dsn", "postgresql:///postgres?host=" + socketOnly.socketDir.toString().replace("/", "%2F") + "&port=" + socketOnly.port);
        assertThat(uri.exit).as(uri.toString()).isZero();
    }

    @Test
    void peerRefusesAnotherOsUserAndPgHbaRefusesAnotherRole() throws Exception {
        String socket = socketOnly.socketDir + "/.s.PGSQL." + socketOnly.port;
        CliTestSupport.assertOneLineError(inProcess(Map.of(), "--dsn", "host=" + socketOnly.socketDir + " port=" + socketOnly.port
                + " user=postgres dbname=postgres"), ExitCodes.ERROR,
                "cannot connect to PostgreSQL on socket " + socket + " as user postgres, database postgres: "
                        + "Peer authentication failed for user \"postgres\"");
        CliTestSupport.assertOneLineError(inProcess(Map.of("PGHOST", socketOnly.socketDir.toString(), "PGPORT",
                        Integer.toString(socketOnly.port), "PGUSER", "backup", "PGDATABASE", "postgres"), new String[0]), ExitCodes.ERROR,
                "socket " + socket + " as user backup, database postgres: no pg_hba.conf entry for host \"[local]\", user \"backup\"");
        CliTestSupport.assertOneLineError(inProcess(Map.of("PGHOST", ws.work.resolve("nowhere").toString()), new String[0]),
                ExitCodes.ERROR, "socket " + ws.work.resolve("nowhere") + "/.s.PGSQL.5432 as user root, database root: no such socket");
    }

    @Test
    void scramOverTcpWithThePasswordFromPgpass() throws Exception {
        writeAsPostgres(home.resolve(".pgpass"), "# host:port:db:user:password\n127.0.0.1:" + tcp.port + ":postgres:operator:"
                + PASSWORD.replace(":", "\\:") + "\n", "600");
        Run r = asPostgres(tcpEnv(), "pg backup", "--cluster", "conn-tcp", "--pgdata", tcp.data.toString(), "--json");
        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(r.out + r.err).doesNotContain(PASSWORD);
    }

    @Test
    void pgpassWithGroupOrWorldAccessIsIgnoredWithAWarning() throws Exception {
        Path loose = home.resolve("loose.pgpass");
        writeAsPostgres(loose, "*:*:*:operator:" + PASSWORD.replace(":", "\\:") + "\n", "644");
        Map<String, String> env = new LinkedHashMap<>(tcpEnv());
        env.put("PGPASSFILE", loose.toString());
        Run r = asPostgres(env, "pg backup", "--cluster", "conn-tcp", "--pgdata", tcp.data.toString());
        assertThat(r.exit).as(r.toString()).isEqualTo(ExitCodes.ERROR);
        assertThat(r.err.split("\n")).as(r.toString()).containsExactly(
                "warning: password file \"" + loose + "\" has group or world access; permissions should be u=rw (0600) or less; ignoring it",
                "summit-dr: cannot connect to PostgreSQL on host 127.0.0.1 port " + tcp.port + " as user operator, database postgres: "
                        + "the server asks for a password and none was found (password in --dsn, PGPASSWORD, or a matching line in "
                        + "the password file, default ~/.pgpass, mode 0600)");
        assertThat(r.out + r.err).doesNotContain(PASSWORD);
    }

    @Test
    void wrongPasswordIsTheServersMessageWithoutThePassword() {
        CliTestSupport.Run r = inProcess(Map.of(), "--dsn", "postgresql://operator:not-" + PASSWORD + "@127.0.0.1:" + tcp.port
                + "/postgres?sslmode=disable");
        CliTestSupport.assertOneLineError(r, ExitCodes.ERROR, "host 127.0.0.1 port " + tcp.port + " as user operator, database postgres: "
                + "password authentication failed for user \"operator\"");
        assertThat(r.out() + r.err()).doesNotContain(PASSWORD);
        CliTestSupport.assertOneLineError(inProcess(Map.of(), "--dsn", "host=127.0.0.1 port=" + tcp.port + " user=nobody dbname=postgres sslmode=disable"),
                ExitCodes.ERROR, "no pg_hba.conf entry for host \"127.0.0.1\", user \"nobody\", database \"postgres\"");
    }

    @Test
    void serviceFileNamesTheServerAndPgpassThePassword() throws Exception {
        writeAsPostgres(home.resolve(".pgpass"), "127.0.0.1:" + tcp.port + ":*:operator:" + PASSWORD.replace(":", "\\:") + "\n", "600");
        Path services = home.resolve("services.conf");
        writeAsPostgres(services, "[nightly]\nhost=127.0.0.1\nport=" + tcp.port + "\nuser=operator\ndbname=postgres\nsslmode=require\n", "644");
        Run r = asPostgres(Map.of("PGSERVICEFILE", services.toString(), "PGSERVICE", "nightly"),
                "pg backup", "--cluster", "conn-tcp", "--pgdata", tcp.data.toString());
        assertThat(r.exit).as(r.toString()).isZero();
        CliTestSupport.assertOneLineError(inProcess(Map.of("PGSERVICEFILE", services.toString()), "--dsn", "service=weekly"),
                ExitCodes.USAGE, "definition of service \"weekly\" not found (looked in " + services);
    }

    @Test
    void tlsVerifyFullPassesWithTheCertificatesHostNameAndFailsWithAnother() throws Exception {
        writeAsPostgres(home.resolve(".pgpass"), "*:" + tcp.port + ":*:operator:" + PASSWORD.replace(":", "\\:") + "\n", "600");
        String common = " port=" + tcp.port + " user=operator dbname=postgres sslrootcert=" + caCert;
        Run ok = asPostgres(Map.of(), "pg backup", "--cluster", "conn-tcp", "--pgdata", tcp.data.toString(),
                "--dsn", "host=localhost sslmode=verify-full" + common);
        assertThat(ok.exit).as(ok.toString()).isZero();

        Run wrong = asPostgres(Map.of(), "pg backup", "--cluster", "conn-tcp", "--pgdata", tcp.data.toString(),
                "--dsn", "host=127.0.0.1 sslmode=verify-full" + common);
        assertThat(wrong.exit).as(wrong.toString()).isEqualTo(ExitCodes.ERROR);
        assertThat(wrong.err).as(wrong.toString()).isEqualTo("summit-dr: cannot connect to PostgreSQL on host 127.0.0.1 port " + tcp.port
                + " as user operator, database postgres: the server's certificate does not match host name 127.0.0.1 (sslmode=verify-full)\n");

        // hostaddr: connect to the address, check the certificate against the name, as libpq does.
        assertThat(sslInUse(connector("host=localhost hostaddr=127.0.0.1 sslmode=verify-full password=" + PASSWORD + common))).isTrue();
        assertThat(sslInUse(connector("host=127.0.0.1 sslmode=verify-ca password=" + PASSWORD + common))).isTrue();
        assertThat(sslInUse(connector("host=127.0.0.1 sslmode=disable password=" + PASSWORD + common))).isFalse();
        Path otherCa = caCert.resolveSibling("other-ca.crt");
        openssl(caCert.getParent(), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.crt",
                "-days", "2", "-subj", "/CN=another CA");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> connector("host=localhost port=" + tcp.port
                        + " user=operator dbname=postgres sslmode=verify-ca password=" + PASSWORD + " sslrootcert=" + otherCa).open())
                .hasMessageEndingWith("as user operator, database postgres: TLS handshake failed: the server's certificate is not signed by "
                        + "the root certificate " + otherCa);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> connector("host=wrong.example hostaddr=127.0.0.1 sslmode=verify-full password="
                        + PASSWORD + common).open()).hasMessageContaining("does not match host name wrong.example")
                .hasMessageNotContaining(PASSWORD);
    }

    @Test
    void clientCertificateAuthentication() throws Exception {
        Path tls = caCert.getParent();
        String dsn = "host=localhost port=" + tcp.port + " user=certuser dbname=postgres sslmode=verify-full sslrootcert=" + caCert;
        assertThat(sslInUse(connector(dsn + " sslcert=" + tls.resolve("client.crt") + " sslkey=" + tls.resolve("client.key")))).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> connector(dsn).open())
                .hasMessage("cannot connect to PostgreSQL on host localhost port " + tcp.port + " as user certuser, database postgres: "
                        + "connection requires a valid client certificate");
    }

    @Test
    void verifyFullWithoutARootCertificateSaysWhichFileIsMissing() {
        CliTestSupport.assertOneLineError(inProcess(Map.of("HOME", home.toString()), "--dsn",
                        "host=localhost port=" + tcp.port + " user=operator sslmode=verify-full"), ExitCodes.USAGE,
                "sslmode=verify-full verifies the server against a root certificate, and " + home + "/.postgresql/root.crt does not exist");
    }

    @Test
    void malformedConnectionStringsAreNamedWithoutEchoingThem() {
        CliTestSupport.assertOneLineError(inProcess(Map.of(), "--dsn", "host"), ExitCodes.USAGE, "--dsn: missing \"=\" after \"host\"");
        CliTestSupport.assertOneLineError(inProcess(Map.of(), "--dsn", "hots=db"), ExitCodes.USAGE, "--dsn: invalid connection option \"hots\"");
        CliTestSupport.assertOneLineError(inProcess(Map.of(), "--dsn", "host=db sslmode=required"), ExitCodes.USAGE,
                "invalid sslmode value: \"required\"");
        CliTestSupport.Run r = inProcess(Map.of(), "--dsn", "postgresql://u:" + PASSWORD + "%zz@h/db");
        CliTestSupport.assertOneLineError(r, ExitCodes.USAGE, "--dsn: invalid percent-encoding in the password of the URI");
        assertThat(r.err()).doesNotContain(PASSWORD);
        CliTestSupport.assertOneLineError(inProcess(Map.of(), "--dsn", "port=99999"), ExitCodes.USAGE, "invalid port number: \"99999\"");
    }

    // --- helpers

    private String archiveCommand(String cluster) {
        return launcher + " pg wal-push %p --cluster " + cluster + " --repo " + ws.repo + " --password-file " + ws.password;
    }

    private Map<String, String> tcpEnv() {
        return Map.of("PGHOST", "127.0.0.1", "PGPORT", Integer.toString(tcp.port), "PGUSER", "operator", "PGDATABASE", "postgres",
                "PGSSLMODE", "prefer");
    }

    private Connection viaSocket(PgTestCluster server) {
        return connector("host=" + server.socketDir + " port=" + server.port + " user=postgres dbname=postgres").open();
    }

    private PgConnector connector(String dsn) {
        return new PgConnector(new ConnectionResolver(ConnectionEnvironment.system(name -> name.equals("HOME") ? home.toString() : null)).resolve(dsn));
    }

    private static boolean sslInUse(PgConnector c) throws Exception {
        try (Connection conn = c.open(); Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** 'pg backup' in this JVM, as root, with only {@code env} as PG* variables and HOME. */
    private CliTestSupport.Run inProcess(Map<String, String> env, String... args) {
        java.util.function.Function<String, String> saved = RepositoryOptions.env;
        RepositoryOptions.env = name -> name.equals("HOME") && !env.containsKey("HOME") ? ws.work.resolve("root-home").toString() : env.get(name);
        try {
            List<String> all = new ArrayList<>(List.of("--cluster", ws.cluster, "--pgdata", socketOnly.data.toString()));
            all.addAll(List.of(args));
            return ws.run("pg backup", all.toArray(String[]::new));
        } finally {
            RepositoryOptions.env = saved;
            try {
                // Whatever root wrote into the repository stays writable for the archive_command.
                ws.handToPostgres();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    /** What a command run by the postgres OS user did, e.g. from its crontab: a clean environment plus {@code env}. */
    private record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Run asPostgres(Map<String, String> env, String command, String... rest) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("runuser", "-u", "postgres", "--", "env", "-i", "PATH=/usr/bin:/bin", "HOME=" + home));
        env.forEach((k, v) -> cmd.add(k + "=" + v));
        cmd.add(launcher.toString());
        cmd.addAll(List.of(command.split(" ")));
        cmd.addAll(List.of("--repo", ws.repo.toString(), "--password-file", ws.password.toString()));
        cmd.addAll(List.of(rest));
        Path out = Files.createTempFile(ws.work, "out", ".txt");
        Path err = Files.createTempFile(ws.work, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        int exit = p.waitFor();
        return new Run(exit, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private static void writeAsPostgres(Path file, String text, String mode) throws Exception {
        Files.writeString(file, text);
        PgTestCluster.sh("chown", "postgres:postgres", file.toString());
        PgTestCluster.sh("chmod", mode, file.toString());
    }

    private static void openssl(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError("openssl " + String.join(" ", args) + " failed: " + output);
        }
    }
}
