package dr.summit.neo4j;

/** Runs {@link Neo4jBench} outside Maven (bench/neo4j-backup.sh), so no build lock is held while it measures. */
public final class Neo4jBenchMain {
    private Neo4jBenchMain() {
    }

    public static void main(String[] args) throws Exception {
        new Neo4jBench().neo4jBackupBenchmark();
    }
}
