package dr.summit.postgres.connect;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnInfoTest {
    static Stream<Arguments> strings() {
        return Stream.of(
                Arguments.of("", Map.of()),
                Arguments.of("host=/var/run/postgresql port=5433 dbname=postgres user=postgres sslmode=verify-full",
                        Map.of("host", "/var/run/postgresql", "port", "5433", "dbname", "postgres", "user", "postgres", "sslmode", "verify-full")),
                Arguments.of("  host = db.example.com   dbname=app  ", Map.of("host", "db.example.com", "dbname", "app")),
                Arguments.of("password='it\\'s a \\\\ secret' user=a", Map.of("password", "it's a \\ secret", "user", "a")),
                Arguments.of("password=a\\ b", Map.of("password", "a b")),
                Arguments.of("dbname=''", Map.of("dbname", "")),
                Arguments.of("host=a host=b", Map.of("host", "b")),
                Arguments.of("host=a,b port=5432,5433 target_session_attrs=read-write",
                        Map.of("host", "a,b", "port", "5432,5433", "target_session_attrs", "read-write")),
                Arguments.of("postgresql://", Map.of()),
                Arguments.of("postgres://db", Map.of("host", "db")),
                Arguments.of("postgresql://alice:s%40cret@db.example.com:5433/sales?sslmode=require&application_name=x",
                        Map.of("user", "alice", "password", "s@cret", "host", "db.example.com", "port", "5433", "dbname", "sales",
                                "sslmode", "require", "application_name", "x")),
                Arguments.of("postgresql://%2Fvar%2Frun%2Fpostgresql/postgres", Map.of("host", "/var/run/postgresql", "dbname", "postgres")),
                Arguments.of("postgresql:///postgres?host=/tmp/sock&port=5444", Map.of("host", "/tmp/sock", "port", "5444", "dbname", "postgres")),
                Arguments.of("postgresql://[::1]:5433,db2/x", Map.of("host", "::1,db2", "port", "5433,", "dbname", "x")),
                Arguments.of("postgresql://a:1,b:2/x?target_session_attrs=primary",
                        Map.of("host", "a,b", "port", "1,2", "dbname", "x", "target_session_attrs", "primary")),
                Arguments.of("postgresql://u@/db", Map.of("user", "u", "dbname", "db")),
                Arguments.of("postgresql://h/db?ssl=true", Map.of("host", "h", "dbname", "db", "sslmode", "require")),
                Arguments.of("postgresql://h/caf%C3%A9", Map.of("host", "h", "dbname", "café")));
    }

    @ParameterizedTest
    @MethodSource("strings")
    void parsesWhatLibpqParses(String text, Map<String, String> expected) {
        assertThat(ConnInfo.parse(text)).isEqualTo(expected);
    }

    static Stream<Arguments> badStrings() {
        return Stream.of(
                Arguments.of("host", "missing \"=\" after \"host\""),
                Arguments.of("hots=x", "invalid connection option \"hots\""),
                Arguments.of("password='open", "unterminated quoted string for \"password\""),
                Arguments.of("sslcrl=/x", "connection option \"sslcrl\" is not supported"),
                Arguments.of("mysql://x", "must start with postgresql:// or postgres://"),
                Arguments.of("postgresql://h/db?nope=1", "invalid connection option \"nope\""),
                Arguments.of("postgresql://h/db?sslmode", "query parameter \"sslmode\" has no \"=\""),
                Arguments.of("postgresql://[::1/db", "no \"]\""),
                Arguments.of("postgresql://h/db%zz", "invalid percent-encoding in the database name"),
                Arguments.of("postgresql://h/db%00", "%00 is not allowed"));
    }

    @ParameterizedTest
    @MethodSource("badStrings")
    void refusesWhatLibpqRefuses(String text, String message) {
        assertThatThrownBy(() -> ConnInfo.parse(text)).isInstanceOf(ConnectionSettingsException.class).hasMessageContaining(message);
    }

    @Test
    void errorsNeverEchoThePassword() {
        assertThatThrownBy(() -> ConnInfo.parse("postgresql://u:hunter2%zz@h/db"))
                .hasMessageContaining("the password").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> ConnInfo.parse("password='hunter2 user=u"))
                .hasMessageNotContaining("hunter2");
    }
}
