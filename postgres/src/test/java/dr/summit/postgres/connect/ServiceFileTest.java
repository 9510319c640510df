package dr.summit.postgres.connect;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServiceFileTest {
    private static final String FILE = """
            # services
            [backup]
            host = /var/run/postgresql
            port=5433
              dbname = postgres
            port=9999

            [reporting]
            host=replica.example.com
            sslmode=verify-full
            """;

    @Test
    void readsTheNamedSectionFirstValueWinning() {
        assertThat(ServiceFile.lookup(FILE, "f", "backup")).contains(Map.of("host", "/var/run/postgresql", "port", "5433", "dbname", "postgres"));
        assertThat(ServiceFile.lookup(FILE, "f", "reporting")).contains(Map.of("host", "replica.example.com", "sslmode", "verify-full"));
        assertThat(ServiceFile.lookup(FILE, "f", "missing")).isEmpty();
    }

    @Test
    void refusesNestedServicesUnknownKeywordsAndBadLines() {
        assertThatThrownBy(() -> ServiceFile.lookup("[a]\nservice=b\n", "f", "a")).hasMessageContaining("nested service");
        assertThatThrownBy(() -> ServiceFile.lookup("[a]\nhots=b\n", "/etc/pg_service.conf", "a"))
                .hasMessageContaining("/etc/pg_service.conf\" line 2").hasMessageContaining("invalid connection option \"hots\"");
        assertThatThrownBy(() -> ServiceFile.lookup("[a]\njust words\n", "f", "a")).hasMessageContaining("syntax error in service file \"f\", line 2");
    }
}
