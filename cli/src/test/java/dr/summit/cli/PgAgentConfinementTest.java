package dr.summit.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent reads WAL only from its --pgdata's pg_wal and writes fetched WAL only into it, never
 * through a link (issue 21, item 4: through an agent run as root, a member of the socket's group
 * read a root-only file by naming it in a push and replaced it by naming it in a fetch).
 */
class PgAgentConfinementTest {
    private static final String SEGMENT = LiveAgent.segmentName(5);

    private static Path rootOnlySecret(LiveAgent a, String name) throws Exception {
        Path dir = Files.createDirectories(a.work.resolve("secret"));
        Path secret = Files.write(dir.resolve(name), LiveAgent.segmentBytes(8192, 99));
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        return secret;
    }

    @Test
    void pushOfAFileOutsidePgWalIsRefusedWhateverThePathSays() throws Exception {
        try (LiveAgent a = LiveAgent.start()) {
            Path secret = rootOnlySecret(a, SEGMENT);
            assertThat(a.push(secret).status()).isEqualTo(403);
            assertThat(a.push(a.pgWal.resolve("..").resolve("..").resolve("secret").resolve(SEGMENT)).status()).isEqualTo(403);
            assertThat(a.push(a.pgdata.resolve(SEGMENT)).status()).isEqualTo(403);
            LiveAgent.Response relative = a.request("POST", "/wal-push?path=" + LiveAgent.query("pg_wal/" + SEGMENT));
            assertThat(relative.status()).isEqualTo(403);
            assertThat(a.archived()).isEmpty();
            assertThat(a.stop().err()).contains("refused /wal-push").contains("is not in " + a.pgWal);
        }
    }

    @Test
    void pushOfASymlinkInPgWalIsRefusedNotFollowed() throws Exception {
        try (LiveAgent a = LiveAgent.start()) {
            Path secret = rootOnlySecret(a, "shadow");
            Files.createSymbolicLink(a.pgWal.resolve(SEGMENT), secret);
            LiveAgent.Response r = a.push(a.pgWal.resolve(SEGMENT));
            assertThat(r.status()).as(r.body()).isEqualTo(403);
            assertThat(r.body()).contains("not a regular file");
            assertThat(a.archived()).isEmpty();
        }
    }

    @Test
    void pushOfAFileInPgWalWithoutAWalNameIsRefused() throws Exception {
        try (LiveAgent a = LiveAgent.start()) {
            Path conf = Files.write(a.pgWal.resolve("postgresql.conf"), LiveAgent.segmentBytes(8192, 1));
            assertThat(a.push(conf).status()).isEqualTo(403);
            assertThat(a.fetch("../../etc/passwd", a.pgWal.resolve("RECOVERYXLOG")).status()).isEqualTo(403);
            assertThat(a.archived()).isEmpty();
        }
    }

    @Test
    void fetchOutsidePgWalIsRefusedAndWritesNothing() throws Exception {
        try (LiveAgent a = LiveAgent.start()) {
            assertThat(a.push(a.segment(SEGMENT, 65536, 7)).status()).isEqualTo(200);
            Path elsewhere = Files.createDirectories(a.work.resolve("elsewhere"));
            assertThat(a.fetch(SEGMENT, elsewhere.resolve("RECOVERYXLOG")).status()).isEqualTo(403);
            assertThat(a.fetch(SEGMENT, a.pgWal.resolve("..").resolve("RECOVERYXLOG")).status()).isEqualTo(403);
            assertThat(a.fetch(SEGMENT, a.pgWal.resolve("postgresql.conf")).status()).isEqualTo(403);
            Path linkedDir = a.work.resolve("linked");
            Files.createSymbolicLink(linkedDir, elsewhere);
            assertThat(a.fetch(SEGMENT, linkedDir.resolve("RECOVERYXLOG")).status()).isEqualTo(403);
            try (var s = Files.list(elsewhere)) {
                assertThat(s.toList()).isEmpty();
            }
            assertThat(Files.exists(a.pgdata.resolve("RECOVERYXLOG"))).isFalse();
        }
    }

    @Test
    void fetchReplacesALinkAtTheDestinationInsteadOfWritingThroughItAndWritesMode0600() throws Exception {
        try (LiveAgent a = LiveAgent.start()) {
            Path segment = a.segment(SEGMENT, 65536, 7);
            assertThat(a.push(segment).status()).isEqualTo(200);
            Path victim = rootOnlySecret(a, "victim");
            byte[] before = Files.readAllBytes(victim);
            Path destination = a.pgWal.resolve("RECOVERYXLOG");
            Files.createSymbolicLink(destination, victim);

            LiveAgent.Response r = a.fetch(SEGMENT, destination);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(Files.readAllBytes(victim)).isEqualTo(before);
            assertThat(Files.isSymbolicLink(destination)).isFalse();
            assertThat(Files.readAllBytes(destination)).isEqualTo(Files.readAllBytes(segment));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(destination, LinkOption.NOFOLLOW_LINKS))).isEqualTo("rw-------");
            try (var s = Files.list(a.pgWal)) {
                assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("summit-tmp"));
            }
        }
    }

    @Test
    void aNameThatIsNotArchivedIsA404AndWritesNothing() throws Exception {
        try (LiveAgent a = LiveAgent.start()) {
            assertThat(a.fetch(SEGMENT, a.pgWal.resolve("RECOVERYXLOG")).status()).isEqualTo(404);
            assertThat(Files.exists(a.pgWal.resolve("RECOVERYXLOG"))).isFalse();
        }
    }
}
