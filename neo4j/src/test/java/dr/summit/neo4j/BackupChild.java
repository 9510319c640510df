package dr.summit.neo4j;

import dr.summit.neo4j.backup.Neo4jBackup;
import dr.summit.neo4j.source.Neo4jConnection;
import dr.summit.repository.Repository;
import dr.summit.repository.store.LocalDirectoryStore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A backup in its own JVM, for the kill -9 test: args URI REPO_DIR PASSWORD. */
public final class BackupChild {
    private BackupChild() {
    }

    public static void main(String[] args) throws Exception {
        try (Repository repo = Repository.open(new LocalDirectoryStore(Path.of(args[1])), args[2].toCharArray());
             Neo4jConnection c = Neo4jConnection.open(new Neo4jConnection.Settings(args[0], "neo4j", null, "neo4j"))) {
            new Neo4jBackup(repo, new Neo4jBackup.Options("neo4j", false, Duration.ofDays(7), true, "child", "child", "child", List.of())).run(c);
        }
        System.out.println("finished");
    }
}
