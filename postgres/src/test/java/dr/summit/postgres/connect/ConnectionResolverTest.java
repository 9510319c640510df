package dr.summit.postgres.connect;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectionResolverTest {
    private final FakeEnvironment env = new FakeEnvironment();

    private ConnectionParams resolve(String dsn) {
        return new ConnectionResolver(env).resolve(dsn);
    }

    @Test
    void nothingGivenMeansTheDefaultSocketTheOsUserAndItsDatabase() {
        ConnectionParams p = resolve(null);
        assertThat(p.endpoints()).containsExactly(new Endpoint("/var/run/postgresql", null, 5432));
        assertThat(p.endpoints().get(0).socketFile()).hasToString("/var/run/postgresql/.s.PGSQL.5432");
        assertThat(p.user()).isEqualTo("alice");
        assertThat(p.dbname()).isEqualTo("alice");
        assertThat(p.password()).isNull();
        assertThat(p.sslmode()).isEqualTo("prefer");
        assertThat(p.applicationName()).isEqualTo("summit-dr");
        assertThat(p.targetSessionAttrs()).isEqualTo("any");
    }

    @Test
    void environmentVariablesFillWhatTheDsnLeavesOpen() {
        env.set("PGHOST", "/tmp/x/sock").set("PGPORT", "5499").set("PGUSER", "postgres").set("PGDATABASE", "app")
                .set("PGAPPNAME", "nightly").set("PGCONNECT_TIMEOUT", "1").set("PGSSLMODE", "disable");
        ConnectionParams p = resolve(null);
        assertThat(p.endpoints()).containsExactly(new Endpoint("/tmp/x/sock", null, 5499));
        assertThat(p.endpoints().get(0).socket()).isTrue();
        assertThat(p.describe()).isEqualTo("socket /tmp/x/sock/.s.PGSQL.5499 as user postgres, database app");
        assertThat(p.applicationName()).isEqualTo("nightly");
        assertThat(p.connectTimeoutSeconds()).isEqualTo(2);
        assertThat(p.sslmode()).isEqualTo("disable");

        ConnectionParams overridden = resolve("host=db.example.com dbname=sales");
        assertThat(overridden.endpoints()).containsExactly(new Endpoint("db.example.com", null, 5499));
        assertThat(overridden.dbname()).isEqualTo("sales");
        assertThat(overridden.user()).isEqualTo("postgres");
    }

    @Test
    void uriAndKeywordFormsResolveAlike() {
        ConnectionParams uri = resolve("postgresql://postgres@%2Fvar%2Flib%2Fsock:5433/postgres?sslmode=verify-full");
        ConnectionParams keywords = resolve("host=/var/lib/sock port=5433 dbname=postgres user=postgres sslmode=verify-full");
        assertThat(uri.toString()).isEqualTo(keywords.toString());
        assertThat(uri.endpoints()).containsExactly(new Endpoint("/var/lib/sock", null, 5433));
    }

    @Test
    void verifyModesOverSocketsNeedNoRootCertificate() {
        // libpq never uses TLS on a UNIX socket
        assertThat(resolve("host=/s sslmode=verify-full").sslmode()).isEqualTo("verify-full");
    }

    @Test
    void hostaddrAndMultipleHosts() {
        ConnectionParams p = resolve("host=a,b,c port=1,2,3 hostaddr=10.0.0.1,,::1 target_session_attrs=read-write load_balance_hosts=random");
        assertThat(p.endpoints()).containsExactly(new Endpoint("a", "10.0.0.1", 1), new Endpoint("b", null, 2), new Endpoint("c", "::1", 3));
        assertThat(p.targetSessionAttrs()).isEqualTo("read-write");
        assertThat(p.loadBalanceHosts()).isTrue();
        assertThat(resolve("host=a,b port=7").endpoints()).extracting(Endpoint::port).containsExactly(7, 7);
        assertThat(resolve("hostaddr=127.0.0.1").endpoints()).containsExactly(new Endpoint(null, "127.0.0.1", 5432));
        assertThat(resolve("host=,db").endpoints()).containsExactly(new Endpoint("/var/run/postgresql", null, 5432), new Endpoint("db", null, 5432));
    }

    @Test
    void badValuesAreNamed() {
        assertThatThrownBy(() -> resolve("host=a,b port=1,2,3")).hasMessage("could not match 3 port numbers to 2 hosts");
        assertThatThrownBy(() -> resolve("host=a,b hostaddr=1.2.3.4")).hasMessage("could not match 2 host names to 1 hostaddr values");
        assertThatThrownBy(() -> resolve("port=x")).hasMessage("invalid port number: \"x\"");
        assertThatThrownBy(() -> resolve("port=70000")).hasMessage("invalid port number: \"70000\"");
        assertThatThrownBy(() -> resolve("hostaddr=db.example.com")).hasMessageContaining("numeric IP address");
        assertThatThrownBy(() -> resolve("sslmode=required")).hasMessageContaining("invalid sslmode value: \"required\"");
        assertThatThrownBy(() -> resolve("target_session_attrs=master")).hasMessageContaining("invalid target_session_attrs");
        assertThatThrownBy(() -> resolve("connect_timeout=soon")).hasMessageContaining("connect_timeout");
        env.set("PGSSLMODE", "bogus");
        assertThatThrownBy(() -> resolve(null)).hasMessageContaining("invalid sslmode value: \"bogus\"");
    }

    @Test
    void passwordComesFromTheDsnThenPgpasswordThenThePasswordFile() {
        env.file("/home/alice/.pgpass", "rw-------", "db:5432:app:alice:from-file\nlocalhost:5432:*:alice:local\n");
        assertThat(resolve("host=db dbname=app password=inline").password()).isEqualTo("inline");
        ConnectionParams fromFile = resolve("host=db dbname=app");
        assertThat(fromFile.password()).isEqualTo("from-file");
        assertThat(fromFile.passwordSource()).isEqualTo("/home/alice/.pgpass");
        assertThat(fromFile.toString()).doesNotContain("from-file");
        assertThat(resolve("dbname=other").password()).as("localhost matches the default socket directory").isEqualTo("local");
        assertThat(resolve("host=/tmp/elsewhere dbname=other").password()).isNull();
        env.set("PGPASSWORD", "from-env");
        assertThat(resolve("host=db dbname=app").password()).isEqualTo("from-env");
    }

    @Test
    void passfileAndPgpassfileNameAnotherFile() {
        env.file("/etc/summit/pgpass", "r--------", "*:*:*:*:elsewhere\n");
        assertThat(resolve("passfile=/etc/summit/pgpass").password()).isEqualTo("elsewhere");
        env.set("PGPASSFILE", "/etc/summit/pgpass");
        assertThat(resolve("host=x").password()).isEqualTo("elsewhere");
    }

    @Test
    void passwordFileWithGroupOrWorldAccessIsIgnoredWithAWarning() {
        env.file("/home/alice/.pgpass", "rw-r--r--", "*:*:*:*:loose\n");
        ConnectionParams p = resolve("host=db");
        assertThat(p.password()).isNull();
        assertThat(p.warnings()).containsExactly("password file \"/home/alice/.pgpass\" has group or world access; "
                + "permissions should be u=rw (0600) or less; ignoring it");
        env.file("/home/alice/.pgpass", "rw----r--", "*:*:*:*:loose\n");
        assertThat(resolve("host=db").password()).isNull();
    }

    @Test
    void physicalReplicationMatchesTheReplicationDatabaseInThePasswordFile() {
        env.file("/home/alice/.pgpass", "rw-------", "db:5432:replication:alice:repl\ndb:5432:alice:alice:normal\n");
        assertThat(new ConnectionResolver(env).resolve("host=db", Map.of("replication", "true")).password()).isEqualTo("repl");
        assertThat(new ConnectionResolver(env).resolve("host=db", Map.of("replication", "database")).password()).isEqualTo("normal");
    }

    @Test
    void serviceFileSitsBetweenTheDsnAndTheEnvironment() {
        env.file("/home/alice/.pg_service.conf", "rw-r--r--", "[nightly]\nhost=/run/pg\nport=5433\ndbname=svc\n");
        env.set("PGPORT", "6000").set("PGUSER", "envuser");
        ConnectionParams p = resolve("service=nightly dbname=explicit");
        assertThat(p.endpoints()).containsExactly(new Endpoint("/run/pg", null, 5433));
        assertThat(p.dbname()).isEqualTo("explicit");
        assertThat(p.user()).isEqualTo("envuser");
        env.set("PGSERVICE", "nightly");
        assertThat(resolve(null).endpoints()).containsExactly(new Endpoint("/run/pg", null, 5433));
    }

    @Test
    void serviceFilesAreSearchedInLibpqOrder() {
        env.file("/etc/postgresql-common/pg_service.conf", "rw-r--r--", "[s]\nhost=system\n[t]\nhost=system-t\n");
        env.file("/home/alice/.pg_service.conf", "rw-------", "[s]\nhost=user\n");
        assertThat(resolve("service=s").endpoints().get(0).host()).isEqualTo("user");
        assertThat(resolve("service=t").endpoints().get(0).host()).isEqualTo("system-t");
        env.file("/srv/services", "rw-------", "[s]\nhost=from-pgservicefile\n");
        env.file("/opt/pg/pg_service.conf", "rw-------", "[u]\nhost=from-sysconfdir\n");
        env.set("PGSERVICEFILE", "/srv/services").set("PGSYSCONFDIR", "/opt/pg");
        assertThat(resolve("service=s").endpoints().get(0).host()).isEqualTo("from-pgservicefile");
        assertThat(resolve("service=u").endpoints().get(0).host()).isEqualTo("from-sysconfdir");
        assertThatThrownBy(() -> resolve("service=t")).hasMessage("definition of service \"t\" not found (looked in /srv/services and /opt/pg/pg_service.conf)");
    }

    @Test
    void tlsFilesDefaultToLibpqsPlacesUnderTheHome() {
        env.file("/home/alice/.postgresql/root.crt", "rw-r--r--", "");
        env.file("/home/alice/.postgresql/postgresql.crt", "rw-r--r--", "");
        env.file("/home/alice/.postgresql/postgresql.key", "rw-------", "");
        ConnectionParams p = resolve("host=db sslmode=verify-full");
        assertThat(p.sslrootcert()).isEqualTo("/home/alice/.postgresql/root.crt");
        assertThat(p.sslcert()).isEqualTo("/home/alice/.postgresql/postgresql.crt");
        assertThat(p.sslkey()).isEqualTo("/home/alice/.postgresql/postgresql.key");
        assertThat(resolve("host=db sslmode=require").sslmode()).as("libpq: require with a root certificate is verify-ca").isEqualTo("verify-ca");
        env.set("PGSSLROOTCERT", "/etc/ssl/ours.crt").set("PGSSLCERT", "/etc/ssl/client.crt").set("PGSSLKEY", "/etc/ssl/client.key");
        env.file("/etc/ssl/ours.crt", "rw-r--r--", "").file("/etc/ssl/client.crt", "rw-r--r--", "").file("/etc/ssl/client.key", "rw-------", "");
        ConnectionParams fromEnv = resolve("host=db sslmode=verify-ca");
        assertThat(List.of(fromEnv.sslrootcert(), fromEnv.sslcert(), fromEnv.sslkey()))
                .containsExactly("/etc/ssl/ours.crt", "/etc/ssl/client.crt", "/etc/ssl/client.key");
    }

    @Test
    void verifyModesWithoutARootCertificateSaySoBeforeConnecting() {
        assertThat(resolve("host=db sslmode=require").sslmode()).isEqualTo("require");
        assertThat(resolve("host=db sslmode=require").sslrootcert()).isNull();
        assertThatThrownBy(() -> resolve("host=db sslmode=verify-full"))
                .hasMessageContaining("sslmode=verify-full verifies the server against a root certificate, and "
                        + "/home/alice/.postgresql/root.crt does not exist");
        assertThatThrownBy(() -> resolve("host=db sslmode=verify-ca sslrootcert=/nope.crt")).hasMessageContaining("/nope.crt does not exist");
        assertThat(resolve("host=db sslmode=verify-full sslrootcert=system").sslrootcert()).isEqualTo("system");
        assertThatThrownBy(() -> resolve("host=db sslmode=require sslrootcert=system")).hasMessageContaining("weak sslmode \"require\"");
        env.file("/c.crt", "rw-r--r--", "");
        assertThatThrownBy(() -> resolve("host=db sslcert=/c.crt sslkey=/missing.key"))
                .hasMessageContaining("certificate present, but not private key file \"/missing.key\"");
    }

    @Test
    void requiresslOneMeansRequire() {
        assertThat(resolve("host=db requiressl=1").sslmode()).isEqualTo("require");
        assertThat(resolve("host=db requiressl=1 sslmode=disable").sslmode()).isEqualTo("disable");
    }

    @Test
    void otherKeywordsArePassedOn() {
        ConnectionParams p = resolve("host=db options='-c work_mem=64MB' channel_binding=require fallback_application_name=fb");
        assertThat(p.extra()).containsEntry("options", "-c work_mem=64MB").containsEntry("channel_binding", "require");
        assertThat(p.applicationName()).isEqualTo("fb");
    }
}
