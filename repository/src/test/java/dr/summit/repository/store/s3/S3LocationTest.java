package dr.summit.repository.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class S3LocationTest {

    @Test
    void aCustomEndpointWithPortBucketAndPrefix() {
        S3Location l = S3Location.parse("s3:https://minio.internal:9000/backups/hosts/db1");
        assertThat(l.endpoint()).isEqualTo(URI.create("https://minio.internal:9000/"));
        assertThat(l.bucket()).isEqualTo("backups");
        assertThat(l.prefix()).isEqualTo("hosts/db1");
        assertThat(l.region()).isEqualTo("us-east-1");
        assertThat(l.pathStyle()).isTrue();
        assertThat(l.key("config")).isEqualTo("hosts/db1/config");
        assertThat(l.keyPrefix()).isEqualTo("hosts/db1/");
        assertThat(l.endpointDescription()).isEqualTo("https://minio.internal:9000/");
        assertThat(l).hasToString("s3:https://minio.internal:9000/backups/hosts/db1");
    }

    @Test
    void aBucketRootWithoutPrefixAndTrailingSlashes() {
        S3Location l = S3Location.parse("s3:http://127.0.0.1:9000/backups/");
        assertThat(l.prefix()).isEmpty();
        assertThat(l.key("config")).isEqualTo("config");
        assertThat(l.keyPrefix()).isEmpty();
        assertThat(S3Location.parse("s3:http://127.0.0.1:9000/backups/repo//").prefix()).isEqualTo("repo");
    }

    @Test
    void awsItselfWithTheRegionFromTheSdkChainAndVirtualHostAddressing() {
        S3Location l = S3Location.parse("s3://summit-wal-archives/prod/db1");
        assertThat(l.endpoint()).isNull();
        assertThat(l.region()).isNull();
        assertThat(l.pathStyle()).isFalse();
        assertThat(l.endpointDescription()).isEqualTo("AWS S3");
        assertThat(l).hasToString("s3://summit-wal-archives/prod/db1");
        S3Location withRegion = S3Location.parse("s3://summit-wal-archives/prod?region=eu-central-1");
        assertThat(withRegion.region()).isEqualTo("eu-central-1");
        assertThat(withRegion.endpointDescription()).isEqualTo("AWS S3 (eu-central-1)");
    }

    @Test
    void optionsChooseRegionAndAddressing() {
        S3Location l = S3Location.parse("s3:https://s3.example.com/b-1/p?region=eu-west-3&addressing=virtual");
        assertThat(l.region()).isEqualTo("eu-west-3");
        assertThat(l.pathStyle()).isFalse();
        assertThat(S3Location.parse("s3://bucket?addressing=path").pathStyle()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3:https://minio.internal:9000/backups/hosts/db1", "s3:http://[::1]:9000/b12/x",
            "s3://summit-wal-archives", "s3://b12/p/q?region=eu-central-1", "s3://b12?addressing=path",
            "s3:https://s3.example.com/b12/p?region=eu-west-3&addressing=virtual"})
    void theCanonicalSpellingParsesBackToTheSameLocation(String location) {
        S3Location parsed = S3Location.parse(location);
        assertThat(parsed.toString()).isEqualTo(location);
        assertThat(S3Location.parse(parsed.toString())).isEqualTo(parsed);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "s3:ftp://host/bucket                      | the endpoint must start with https:// or http://",
            "s3:host:9000/bucket                       | the endpoint must start with https:// or http://",
            "s3:https://host:9000                      | no bucket after the endpoint",
            "s3:https://host:9000/                     | no bucket after the endpoint",
            "s3:https:///bucket                        | no host in the endpoint",
            "s3:https://host:99999/bucket              | port out of range",
            "s3:https://host:port/bucket               | malformed",
            "s3:https://host/Bucket_Name               | invalid S3 bucket name 'Bucket_Name'",
            "s3:https://host/ab                        | invalid S3 bucket name 'ab'",
            "s3://                                     | no bucket given",
            "s3://bucket/a/../b                        | '..' path segment",
            "s3://bucket/a//b                          | empty, '.' or '..' path segment",
            "s3://bucket/p?region=                     | option 'region' needs a value",
            "s3://bucket/p?regoin=eu-west-1            | unknown option 'regoin' (known: region, addressing)",
            "s3://bucket/p?addressing=dns              | addressing must be 'path' or 'virtual', not 'dns'",
            "s3://bucket/p?region=EU WEST              | invalid S3 region 'EU WEST'",
    })
    void malformedLocationsAreRefusedWithAReason(String location, String reason) {
        assertThatThrownBy(() -> S3Location.parse(location))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid S3 location '" + location + "': ")
                .hasMessageContaining(reason)
                .hasMessageEndingWith("(expected s3:https://HOST[:PORT]/BUCKET[/PREFIX] or s3://BUCKET[/PREFIX], optionally ?region=R&addressing=path|virtual)");
    }

    @Test
    void credentialsInTheLocationAreRefusedWithoutRepeatingThem() {
        assertThatThrownBy(() -> S3Location.parse("s3:https://AKIA123:topsecret@host/bucket"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("credentials in the location are not supported")
                .hasMessageNotContaining("topsecret");
    }

    @Test
    void onlyLocationsStartingWithS3ColonAreS3() {
        assertThat(S3Location.isS3("s3:https://host/bucket")).isTrue();
        assertThat(S3Location.isS3("s3://bucket")).isTrue();
        assertThat(S3Location.isS3("/backups/repo")).isFalse();
        assertThat(S3Location.isS3("s3-archive")).isFalse();
        assertThatThrownBy(() -> S3Location.parse("/backups/repo")).hasMessageStartingWith("not an S3 location");
    }

    @Test
    void optionsComeFromSystemPropertiesWithDefaults() {
        S3StoreOptions options = S3StoreOptions.fromProperties(name -> switch (name) {
            case "summit.s3.maxAttempts" -> "3";
            case "summit.s3.connectTimeoutMs" -> "250";
            case "summit.s3.partSizeMiB" -> "16";
            default -> null;
        });
        assertThat(options.maxAttempts()).isEqualTo(3);
        assertThat(options.connectTimeout().toMillis()).isEqualTo(250);
        assertThat(options.partSize()).isEqualTo(16 << 20);
        assertThat(options.socketTimeout()).isEqualTo(S3StoreOptions.DEFAULT.socketTimeout());
        assertThatThrownBy(() -> S3StoreOptions.fromProperties(name -> name.endsWith("maxAttempts") ? "many" : null))
                .hasMessage("summit.s3.maxAttempts must be a whole number, not 'many'");
        assertThatThrownBy(() -> S3StoreOptions.fromProperties(name -> name.endsWith("partSizeMiB") ? "1" : null))
                .hasMessageContaining("must be 5..1024");
    }
}
