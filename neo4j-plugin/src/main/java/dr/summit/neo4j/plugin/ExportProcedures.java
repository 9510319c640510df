package dr.summit.neo4j.plugin;

import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Mode;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.Procedure;
import org.neo4j.graphdb.Transaction;
import org.neo4j.kernel.impl.coreapi.InternalTransaction;

import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/** The full backup's export, read in process on several threads (see {@link ExportPass}). */
public final class ExportProcedures {
    @Context
    public Transaction tx;

    public static final class Row {
        public byte[] data;
        public long nodes;
        public long relationships;
        public String digest;
    }

    @Procedure(name = "summit.export", mode = Mode.READ)
    @Description("summit-dr: every node then every relationship in the agent's stream format, as byte chunks of about "
            + "'chunkBytes'; the last row carries the counts and, with 'digest', the graph digest computed in the same pass; 'records' false: the digest alone. "
            + "Read by 'threads' threads (0: the cores, at most 4) in partitions of 'partitionEntities' entities (0: 32768); the rows are the same whatever the number of threads.")
    public Stream<Row> export(@Name(value = "digest", defaultValue = "true") boolean digest,
                              @Name(value = "chunkBytes", defaultValue = "1048576") long chunkBytes,
                              @Name(value = "records", defaultValue = "true") boolean records,
                              @Name(value = "threads", defaultValue = "0") long threads,
                              @Name(value = "partitionEntities", defaultValue = "0") long partitionEntities) {
        int size = (int) Math.max(4096, Math.min(chunkBytes, 64L << 20));
        ExportPass pass = new ExportPass(((InternalTransaction) tx).kernelTransaction(), records, digest, size,
                (int) Math.max(0, Math.min(threads, 64)), (int) Math.max(0, Math.min(partitionEntities, Integer.MAX_VALUE)));
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(pass, Spliterator.ORDERED | Spliterator.NONNULL), false)
                .map(c -> {
                    Row r = new Row();
                    r.data = c.data();
                    r.nodes = c.nodes();
                    r.relationships = c.relationships();
                    r.digest = c.digest();
                    return r;
                }).onClose(pass::close);
    }
}
