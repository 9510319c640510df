package dr.summit.postgres.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dr.summit.postgres.wal.WalGap;
import dr.summit.postgres.wal.WalGaps;
import dr.summit.repository.Repository;
import dr.summit.repository.blob.Compression;
import dr.summit.repository.chunker.ChunkerParams;
import dr.summit.repository.crypto.Argon2Params;
import dr.summit.repository.store.LocalDirectoryStore;
import dr.summit.repository.store.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The valve's bookkeeping: the local journal, its flush into a real (local) repository, the gap records. */
class BacklogValveTest {
    private static final Repository.InitOptions FAST = new Repository.InitOptions(ChunkerParams.DEFAULT, 1024 * 1024,
            Compression.ZSTD, 3, new Argon2Params(64, 1, 1));

    @TempDir
    Path dir;

    @Test
    void contiguousDropsGrowOneGapAndTheJournalSurvivesARestart() {
        Path file = dir.resolve("state").resolve("gaps.json");
        GapJournal journal = new GapJournal(file);
        journal.dropped(1, 0x3000000L, 0x3800000L, "stream", List.of(), "disk full");
        journal.dropped(1, 0x3800000L, 0x4000000L, "stream", List.of(), "disk full");
        journal.dropped(1, 0x9000000L, 0x9100000L, "stream", List.of(), "unreachable");
        List<WalGap> reread = new GapJournal(file).pending();
        assertThat(reread).hasSize(2);
        assertThat(reread.get(0).fromLsn()).isEqualTo("0/3000000");
        assertThat(reread.get(0).toLsn()).isEqualTo("0/4000000");
        assertThat(reread.get(1).reason()).isEqualTo("unreachable");
        assertThat(Files.exists(file.resolveSibling("gaps.json.tmp"))).isFalse();
    }

    @Test
    void theRepositoryTakesTheGapsOnceReachableAndReadersMergeAGapThatGrew() throws Exception {
        Path repoDir = dir.resolve("repo");
        List<String> log = new ArrayList<>();
        int[] backups = {0};
        try (Repository repo = Repository.init(new LocalDirectoryStore(repoDir), "pw".toCharArray(), FAST)) {
            BacklogValve valve = new BacklogValve(4 << 20, new GapJournal(dir.resolve("gaps.json")), () -> {
                backups[0]++;
                return "base backup x";
            }, null, log::add);
            assertThat(valve.over(4 << 20)).isFalse();
            assertThat(valve.over((4 << 20) + 1)).isTrue();
            valve.dropped(1, 0x1000000L, 0x1600000L, "archive", List.of("000000010000000000000001"), "gone");
            // The repository away: a file where its directory was.
            Path away = dir.resolve("away");
            Files.move(repoDir, away);
            Files.writeString(repoDir, "x");
            assertThat(valve.repositoryBack(repo, "main")).isFalse();
            valve.dropped(1, 0x1600000L, 0x2000000L, "archive", List.of("000000010000000000000002"), "gone");
            assertThat(valve.status().get("gapsNotInRepository")).isEqualTo(1);
            Files.delete(repoDir);
            Files.move(away, repoDir);
            assertThat(valve.repositoryBack(repo, "main")).isTrue();
            assertThat(valve.status().get("gapsNotInRepository")).isEqualTo(0);
            for (int i = 0; i < 50 && backups[0] == 0; i++) {
                Thread.sleep(20);
            }
            assertThat(backups[0]).as("the closing backup ran").isEqualTo(1);
            // An earlier, narrower record of the same gap (written before it grew) merges into the wider one.
            new WalGaps(repo, "main").record(new WalGap(1, "0/1000000", "0/1400000", Instant.EPOCH, Instant.EPOCH, "archive",
                    List.of("000000010000000000000001"), "gone"));
            List<WalGap> gaps = new WalGaps(repo, "main").list();
            assertThat(gaps).hasSize(1);
            assertThat(gaps.get(0).toLsn()).isEqualTo("0/2000000");
            assertThat(gaps.get(0).segments()).containsExactly("000000010000000000000001", "000000010000000000000002");
            assertThat(WalGaps.closedBy(gaps.get(0), 1, 0x2000000L, Instant.now())).isTrue();
            assertThat(WalGaps.closedBy(gaps.get(0), 1, 0x1FFFFFFL, Instant.now())).isFalse();
        }
        assertThat(log).anyMatch(l -> l.contains("recorded 1 WAL gap"));
    }

    @Test
    void onlyStoreErrorsOpenTheValve() {
        assertThat(BacklogValve.unreachable(new StoreException("cannot write"))).isTrue();
        assertThat(BacklogValve.unreachable(new java.io.UncheckedIOException(new java.io.IOException("x")))).isTrue();
        assertThat(BacklogValve.unreachable(new dr.summit.repository.RepositoryException("differs from the WAL streamed"))).isFalse();
        assertThat(BacklogValve.unreachable(new dr.summit.repository.store.ObjectExistsException("loc", "name"))).isFalse();
    }
}
