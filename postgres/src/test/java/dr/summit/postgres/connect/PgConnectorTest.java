package dr.summit.postgres.connect;

import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PgConnectorTest {
    private final FakeEnvironment env = new FakeEnvironment();

    private PgConnector connector(String dsn) {
        return new PgConnector(new ConnectionResolver(env).resolve(dsn));
    }

    @Test
    void socketsGoThroughJunixsocketWithoutTls() {
        PgConnector c = connector("host=/run/a,/run/b port=5433 dbname='my db' user=postgres sslmode=verify-full");
        assertThat(c.url()).isEqualTo("jdbc:postgresql://127.0.0.1:5433,127.0.0.2:5433/my+db");
        Properties p = c.properties();
        assertThat(p.getProperty("socketFactory")).isEqualTo(UnixSocketFactory.class.getName());
        assertThat(p.getProperty("socketFactoryArg")).isEqualTo("/run/a\n/run/b");
        assertThat(p.getProperty("sslmode")).isEqualTo("disable");
        assertThat(p.getProperty("user")).isEqualTo("postgres");
        assertThat(p.getProperty("authenticationPluginClassName")).isEqualTo(PgConnector.NoPassword.class.getName());
    }

    @Test
    void socketFactoryMapsEachHostBackToItsDirectory() throws Exception {
        UnixSocketFactory f = new UnixSocketFactory("/run/a\n/run/b");
        assertThat(f.addressFromHost("127.0.0.1", 5433).getFile()).hasToString("/run/a/.s.PGSQL.5433");
        assertThat(f.addressFromHost("127.0.0.2", 5432).getFile()).hasToString("/run/b/.s.PGSQL.5432");
    }

    @Test
    void tcpCarriesTlsSettingsAndSessionAttributes() {
        env.file("/ca.crt", "rw-r--r--", "");
        PgConnector c = connector("host=db1,::1 port=5432,5433 sslmode=verify-full sslrootcert=/ca.crt password=pw "
                + "target_session_attrs=read-write connect_timeout=7 options=-cjit=off");
        assertThat(c.url()).isEqualTo("jdbc:postgresql://db1:5432,[::1]:5433/alice");
        Properties p = c.properties();
        assertThat(p.getProperty("sslmode")).isEqualTo("verify-full");
        assertThat(p.getProperty("sslrootcert")).isEqualTo("/ca.crt");
        assertThat(p.getProperty("sslcert")).isEmpty();
        assertThat(p.getProperty("password")).isEqualTo("pw");
        assertThat(p.getProperty("authenticationPluginClassName")).isNull();
        assertThat(p.getProperty("targetServerType")).isEqualTo("primary");
        assertThat(p.getProperty("connectTimeout")).isEqualTo("7");
        assertThat(p.getProperty("options")).isEqualTo("-cjit=off");
        assertThat(p.getProperty("socketFactory")).isNull();
    }

    @Test
    void hostaddrConnectsToTheAddressAndVerifiesTheName() {
        env.file("/ca.crt", "rw-r--r--", "");
        PgConnector c = connector("host=db.example.com hostaddr=10.1.2.3 sslmode=verify-full sslrootcert=/ca.crt");
        assertThat(c.url()).isEqualTo("jdbc:postgresql://10.1.2.3:5432/alice");
        assertThat(c.properties().getProperty("sslhostnameverifier")).isEqualTo(ServerNameVerifier.class.getName());
        assertThat(c.properties().getProperty(ServerNameVerifier.PROPERTY)).isEqualTo("10.1.2.3=db.example.com\n");
    }

    @Test
    void mixingSocketsAndTcpHostsIsRefused() {
        assertThatThrownBy(() -> connector("host=/run/a,db").url()).hasMessageContaining("mixing socket directories and TCP hosts");
    }

    @Test
    void refusedConnectionsNameSocketUserAndDatabase() {
        PgConnector c = connector("host=/nonexistent-dir-for-test port=5999 user=bob dbname=sales");
        assertThatThrownBy(c::open).isInstanceOf(ConnectionFailedException.class)
                .hasMessageStartingWith("cannot connect to PostgreSQL on socket /nonexistent-dir-for-test/.s.PGSQL.5999 as user bob, database sales: ")
                .hasMessageContaining("no such socket");
    }

    @Test
    void refusedTcpConnectionsSaySo() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        PgConnector c = connector("host=127.0.0.1 port=" + port + " user=bob password=hunter2 sslmode=disable");
        assertThatThrownBy(c::open).hasMessage("cannot connect to PostgreSQL on host 127.0.0.1 port " + port
                + " as user bob, database bob: connection refused");
    }

    @Test
    void pkcs1AndSec1PemKeysAreRefusedWithTheCommandThatConvertsThem(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path cert = java.nio.file.Files.writeString(dir.resolve("client.crt"), "-----BEGIN CERTIFICATE-----\n");
        java.nio.file.Path key = java.nio.file.Files.writeString(dir.resolve("client.key"), "-----BEGIN RSA PRIVATE KEY-----\nMII\n");
        env.file(cert.toString(), "rw-r--r--", "").file(key.toString(), "rw-------", "");
        PgConnector c = connector("host=127.0.0.1 port=1 sslmode=require sslcert=" + cert + " sslkey=" + key);
        assertThatThrownBy(c::open).isInstanceOf(ConnectionSettingsException.class)
                .hasMessage("client key " + key + " is a PEM \"RSA PRIVATE KEY\", which pgjdbc cannot read: convert it with "
                        + "\"openssl pkcs8 -topk8 -outform DER -in " + key + " -out " + key + ".pk8\" (add -nocrypt for no passphrase) "
                        + "and set sslkey to the .pk8 file");
    }
}
