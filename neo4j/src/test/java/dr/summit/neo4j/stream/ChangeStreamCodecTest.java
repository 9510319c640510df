package dr.summit.neo4j.stream;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The stream's versions and record marks (the compact export records are covered against a real Neo4j in Neo4jBackupTest). */
class ChangeStreamCodecTest {
    private static final GraphChange CHANGE = new GraphChange(GraphChange.Op.SET_NODE_PROPS, 42, 1_700_000_000_000L, 7, -1, -1,
            List.of(), Map.of("k", 1L), List.of("gone"));

    @Test
    void aVersion1StreamWrittenBeforeTheCompactRecordsIsStillRead() throws Exception {
        ByteArrayOutputStream v2 = new ByteArrayOutputStream();
        try (ChangeStreamCodec.Writer w = new ChangeStreamCodec.Writer(v2)) {
            w.write(CHANGE);
        }
        byte[] bytes = v2.toByteArray();
        assertThat(new String(bytes, 0, 26, StandardCharsets.US_ASCII)).isEqualTo("SUMMIT-DR NEO4J CHANGES 2\n");
        bytes[24] = '1';  // the same records under the version 1 header
        try (ChangeStreamCodec.Reader r = new ChangeStreamCodec.Reader(new ByteArrayInputStream(bytes), "v1")) {
            assertThat(r.next()).isEqualTo(CHANGE);
            assertThat(r.next()).isNull();
        }
    }

    @Test
    void anUnknownRecordMarkIsDamageNotARecord() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.write("SUMMIT-DR NEO4J CHANGES 2\n".getBytes(StandardCharsets.US_ASCII));
        out.writeByte(9);
        try (ChangeStreamCodec.Reader r = new ChangeStreamCodec.Reader(new ByteArrayInputStream(b.toByteArray()), "backup x export.graph")) {
            assertThatThrownBy(r::next).hasMessage("backup x export.graph: damaged change stream (record mark 9)");
        }
    }
}
