package dr.summit.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The shipped Grafana dashboard queries only what the program exports, and covers the seed's panels. */
class DashboardTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode dashboard() throws IOException {
        return JSON.readTree(OpsFiles.GRAFANA.resolve("dashboards/backup-rto-rpo-monitoring.json").toFile());
    }

    private static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        dashboard.path("panels").forEach(p -> {
            out.add(p);
            p.path("panels").forEach(out::add);   // panels inside collapsed rows
        });
        return out;
    }

    @Test
    void everyMetricAPanelQueriesIsOneTheProgramExports() throws IOException {
        // The real exposition, from the real code: a name in a panel that is not here would be an empty panel.
        Set<String> exported = OpsFiles.exported(OpsFiles.everythingRecorded());
        Set<String> queried = new TreeSet<>();
        for (JsonNode panel : panels(dashboard())) {
            for (JsonNode target : panel.path("targets")) {
                Set<String> names = OpsFiles.metricsIn(target.path("expr").asText());
                assertThat(names).as("panel '%s' query %s", panel.path("title").asText(), target.path("expr")).isNotEmpty();
                assertThat(exported).as("panel '%s'", panel.path("title").asText()).containsAll(names);
                queried.addAll(names);
            }
        }
        // and the seed's metric list is on the dashboard
        assertThat(queried).contains("dr_rto_actual_seconds", "dr_rpo_actual_seconds", "postgres_base_backup_duration_seconds",
                "neo4j_backup_duration_seconds", "file_backup_duration_seconds", "backup_encryption_files_total",
                "dr_recovery_attempts_total", "dr_wal_archive_lag_seconds", "dr_backup_last_success_timestamp_seconds",
                "dr_key_age_seconds");
    }

    @Test
    void theSeedsPanelsAreThereWithTheSeedsUid() throws IOException {
        JsonNode d = dashboard();
        assertThat(d.path("uid").asText()).isEqualTo("backup-rto-rpo");   // seed: open http://grafana:3000/d/backup-rto-rpo
        List<String> titles = panels(d).stream().map(p -> p.path("title").asText()).toList();
        assertThat(titles).contains("RTO actual vs target (4 h)", "RPO actual vs target (5 min)", "Backup duration trends",
                "Backup size trends", "WAL archive lag", "Recovery success rate (30 d)", "Encryption status",
                "Key age (rotation every 90 days)", "Last backup timestamps");
        Set<Integer> ids = new TreeSet<>();
        for (JsonNode p : panels(d)) {
            assertThat(ids.add(p.path("id").asInt())).as("panel id %s is unique", p.path("id")).isTrue();
        }
    }

    @Test
    void panelsUseTheProvisionedDatasourceAndTheProviderLoadsTheFolder() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode ds = yaml.readTree(OpsFiles.GRAFANA.resolve("provisioning/datasources/summit-dr.yml").toFile()).path("datasources").get(0);
        for (JsonNode p : panels(dashboard())) {
            if (!p.path("type").asText().equals("row")) {
                assertThat(p.path("datasource").path("uid").asText()).as(p.path("title").asText()).isEqualTo(ds.path("uid").asText());
            }
        }
        JsonNode provider = yaml.readTree(OpsFiles.GRAFANA.resolve("provisioning/dashboards/summit-dr.yml").toFile()).path("providers").get(0);
        assertThat(provider.path("type").asText()).isEqualTo("file");
        assertThat(provider.path("options").path("path").asText()).isEqualTo("/var/lib/grafana/dashboards/summit-dr");
    }
}
