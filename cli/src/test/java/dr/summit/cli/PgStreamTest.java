package dr.summit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dr.summit.postgres.wal.Lsn;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * RPO 0 for a primary: 'summit-dr pg stream' is the synchronous standby of a real PostgreSQL 15,
 * so a commit returns only once its WAL is durable in the repository. The primary is then lost
 * (kill -9, data directory deleted) in the middle of a segment that archive_command never saw, and
 * 'pg restore --latest' brings back every row whose commit had returned — across a lost replication
 * connection in between.
 */
class PgStreamTest {

    @Test
    void everyCommitThatReturnedIsRestoredAfterThePrimaryIsLost() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("stream")) {
            // Archive and stream run as one user (root here): the agent archives, the receiver streams.
            PgTestCluster primary = ws.startCluster("pgdata", ws.agentArchiveCommand(ws.work.resolve("pgdata")));
            CountDownLatch stop = new CountDownLatch(1);
            PgStreamCommand.stop = stop;
            CliTestSupport.Run[] receiverRun = new CliTestSupport.Run[1];
            Thread receiver = new Thread(() -> receiverRun[0] = ws.run("pg stream", "--cluster", ws.cluster, "--dsn", ws.dsn(primary)));
            receiver.start();
            ConcurrentLinkedQueue<Integer> committed = new ConcurrentLinkedQueue<>();
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                waitFor(st, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'summit_dr' AND state = 'streaming'", receiverRun);
                st.execute("ALTER SYSTEM SET synchronous_standby_names = 'summit_dr'");
                st.execute("ALTER SYSTEM SET max_slot_wal_keep_size = '1GB'");
                st.execute("SELECT pg_reload_conf()");
                waitFor(st, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'summit_dr' AND sync_state = 'sync'", receiverRun);
                assertThat(PgTestCluster.scalar(st, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'summit_dr' AND slot_type = 'physical'"))
                        .isEqualTo(1);
                st.execute("CREATE TABLE orders (n int PRIMARY KEY)");
                ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", primary.data.toString(), "--dsn", ws.dsn(primary));
                // Past the backup's end: the newest segment is only ever seen by the receiver.
                st.execute("SELECT pg_switch_wal()");
                PgTestCluster.waitUntilArchived(st);
            }
            AtomicBoolean writing = new AtomicBoolean(true);
            Thread writer = new Thread(() -> {
                try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                    for (int n = 1; writing.get(); n++) {
                        st.execute("INSERT INTO orders VALUES (" + n + ")");
                        committed.add(n);   // the commit returned: the synchronous standby has flushed it
                    }
                } catch (Exception lostWithThePrimary) {
                    // The commit in flight when the postmaster died did not return: it may or may not be restored.
                }
            });
            writer.start();
            Thread.sleep(1000);
            // A lost replication connection: commits wait, the receiver reconnects and resumes from what the repository holds.
            int beforeReconnect;
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_replication WHERE application_name = 'summit_dr'");
                beforeReconnect = committed.size();
                waitFor(st, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'summit_dr' AND sync_state = 'sync'", receiverRun);
            }
            Thread.sleep(1000);
            assertThat(committed.size()).as("commits resumed after the reconnect").isGreaterThan(beforeReconnect + 10);

            // pg status, under load: the flush position the primary knows is never ahead of what the repository holds.
            var status = ws.ok("pg status", "--cluster", ws.cluster, "--dsn", ws.dsn(primary), "--json").json();
            assertThat(status.get("receiverState").asText()).isEqualTo("streaming");
            assertThat(status.get("syncState").asText()).isEqualTo("sync");
            assertThat(status.get("slotActive").asBoolean()).isTrue();
            assertThat(status.get("warnings")).isEmpty();
            assertThat(Long.compareUnsigned(Lsn.parse(status.get("flushLsn").asText()), Lsn.parse(status.get("durableLsn").asText())))
                    .as("flushed %s, durable %s", status.get("flushLsn"), status.get("durableLsn")).isLessThanOrEqualTo(0);
            assertThat(status.get("lagBytes").asLong()).isLessThan(1 << 20);
            assertThat(status.get("retainedBytes").asLong()).isLessThan(64L << 20);
            primary.killHard();
            writing.set(false);
            writer.join(10_000);
            PgTestCluster.sh("rm", "-rf", primary.data.toString());
            stop.countDown();
            receiver.join(10_000);
            assertThat(receiverRun[0].exit()).as("pg stream: %s", receiverRun[0]).isZero();
            assertThat(receiverRun[0].err()).contains("replication connection to", "lost or refused", "retrying in");
            assertThat(committed).hasSizeGreaterThan(10);

            Path restored = ws.work.resolve("restored");
            ws.restartAgent(restored);   // the agent fetches only into its own --pgdata: on a DR host, the restore target
            CliTestSupport.Run restore = ws.ok("pg restore", "--cluster", ws.cluster, "--pgdata", restored.toString(), "--latest",
                    "--agent", ws.socket().toString());
            PgTestCluster server = ws.startRestored(restored, false);
            try (Connection c = server.connect(); Statement st = c.createStatement()) {
                List<Integer> rows = PgTestCluster.ints(st, "SELECT n FROM orders ORDER BY n");
                assertThat(rows).as("restore: %s\nlist: %s\nserver log:\n%s", restore, ws.ok("pg list", "--cluster", ws.cluster).out(),
                        server.log()).containsAll(committed);
                System.out.printf("stream: %d commits returned before the primary died, %d rows restored%n", committed.size(), rows.size());
            }
        } finally {
            PgStreamCommand.stop = new CountDownLatch(1);
        }
    }


    /**
     * kill -9 of the receiver, three times under load, with segment switches in between: commits
     * wait while it is down, nothing acknowledged is lost, and the segments both archive_command and
     * the receiver stored agree.
     */
    @Test
    void killingTheReceiverUnderLoadLosesNoAcknowledgedCommit() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("streamkill")) {
            PgTestCluster primary = ws.startCluster("pgdata", ws.agentArchiveCommand(ws.work.resolve("pgdata")));
            Path launcher = PgTestCluster.jvmLauncher(ws.work.resolve("receiver"));
            Path receiverLog = ws.work.resolve("receiver.log");
            List<String> command = List.of(launcher.toString(), "pg", "stream", "--cluster", ws.cluster, "--dsn", ws.dsn(primary),
                    "--repo", ws.repo.toString(), "--password-file", ws.password.toString());
            Process receiver = startProcess(command, receiverLog);
            ConcurrentLinkedQueue<Integer> committed = new ConcurrentLinkedQueue<>();
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                String sync = "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'summit_dr' AND sync_state = 'sync'";
                waitForProcess(st, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'summit_dr'", receiverLog);
                st.execute("ALTER SYSTEM SET synchronous_standby_names = 'summit_dr'");
                st.execute("SELECT pg_reload_conf()");
                waitForProcess(st, sync, receiverLog);
                st.execute("CREATE TABLE orders (n int PRIMARY KEY, pad text)");
                ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", primary.data.toString(), "--dsn", ws.dsn(primary));

                AtomicBoolean writing = new AtomicBoolean(true);
                Thread writer = new Thread(() -> {
                    try (Connection w = primary.connect(); Statement ws2 = w.createStatement()) {
                        for (int n = 1; writing.get(); n++) {
                            ws2.execute("INSERT INTO orders VALUES (" + n + ", repeat('x', 2000))");
                            committed.add(n);
                            if (n % 100 == 0) {
                                ws2.execute("SELECT pg_switch_wal()");   // complete segments while the receiver dies and returns
                            }
                        }
                    } catch (Exception lostWithThePrimary) {
                        // the commit in flight when the primary died did not return
                    }
                });
                writer.start();
                for (int kill = 0; kill < 3; kill++) {
                    Thread.sleep(700);
                    receiver.destroyForcibly().waitFor();   // SIGKILL: no final flush, no goodbye to the server
                    int whileDown = committed.size();
                    Thread.sleep(300);
                    // At most the commit acknowledged just before the kill, still on its way to the client.
                    assertThat(committed.size()).as("commits returned while the only synchronous standby was dead")
                            .isLessThanOrEqualTo(whileDown + 1);
                    receiver = startProcess(command, receiverLog);
                    waitForProcess(st, sync, receiverLog);
                }
                // Commits go on with the last receiver (a segment it completes costs a 16 MiB store first).
                int resumedFrom = committed.size();
                for (int i = 0; i < 200 && committed.size() < resumedFrom + 20; i++) {
                    Thread.sleep(100);
                }
                assertThat(committed.size()).as("commits after the last restart of the receiver").isGreaterThanOrEqualTo(resumedFrom + 20);
                primary.killHard();
                writing.set(false);
                writer.join(10_000);
            }
            PgTestCluster.sh("rm", "-rf", primary.data.toString());
            receiver.destroyForcibly().waitFor();
            assertThat(committed).hasSizeGreaterThan(50);

            Path restored = ws.work.resolve("restored");
            ws.restartAgent(restored);   // the agent fetches only into its own --pgdata: on a DR host, the restore target
            ws.ok("pg restore", "--cluster", ws.cluster, "--pgdata", restored.toString(), "--latest", "--agent", ws.socket().toString());
            PgTestCluster server = ws.startRestored(restored, false);
            try (Connection c = server.connect(); Statement st = c.createStatement()) {
                List<Integer> rows = PgTestCluster.ints(st, "SELECT n FROM orders ORDER BY n");
                assertThat(rows).as("receiver log:%n%s", java.nio.file.Files.readString(receiverLog)).containsAll(committed);
                System.out.printf("stream with 3 x kill -9 of the receiver: %d commits returned, %d rows restored%n", committed.size(), rows.size());
            }
        }
    }


    /**
     * A failover: the replica is promoted (timeline 2) and the receiver is pointed at it. It stores
     * the history file and streams the new timeline from its branch point, so a --latest restore after
     * the new primary is lost too follows timeline 1 then 2 and has every acknowledged row of both.
     */
    @Test
    void afterAPromotionTheReceiverFollowsTheNewTimeline() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("streamtl")) {
            PgTestCluster primary = ws.startCluster("a", ws.agentArchiveCommand(ws.work.resolve("a")));
            CliTestSupport.Run[] receiverRun = new CliTestSupport.Run[1];
            Thread receiver = startReceiver(ws, primary, receiverRun);
            String sync = "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'summit_dr' AND sync_state = 'sync'";
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                backUpThenCommitOrders(ws, primary, st, receiverRun);
            }
            Path replicaData = ws.work.resolve("b");
            PgTestCluster.asPostgres(PgTestCluster.BIN.resolve("pg_basebackup").toString(), "-D", replicaData.toString(),
                    "-d", ws.dsn(primary), "-X", "stream", "-R", "-c", "fast");
            PgTestCluster replica = ws.track(PgTestCluster.attach(replicaData));
            replica.start();
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                waitFor(st, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'walreceiver'"
                        + " AND replay_lsn >= pg_current_wal_lsn()", receiverRun);
            }
            primary.stop();
            stopReceiver(receiver, receiverRun);
            PgTestCluster.asPostgres(PgTestCluster.BIN.resolve("pg_ctl").toString(), "-D", replicaData.toString(), "-w", "promote");

            String branch;
            try (Connection c = replica.connect(); Statement st = c.createStatement()) {
                PgTestCluster.waitUntilPromoted(st);
                // Before the receiver is back: a few commits (not waiting for it) and a segment switch.
                // (The new slot's restart_lsn is the end-of-recovery checkpoint's, in the branch
                // segment too, so this does not tell the branch-point rule from the slot's.)
                st.execute("SET synchronous_commit = local");
                for (int n = 51; n <= 55; n++) {
                    st.execute("INSERT INTO orders VALUES (" + n + ")");
                }
                st.execute("SELECT pg_switch_wal()");
                try (var rs = st.executeQuery("SELECT pg_read_file('pg_wal/00000002.history')")) {
                    rs.next();
                    branch = rs.getString(1).strip().split("\\s+")[1];
                }
            }
            receiver = startReceiver(ws, replica, receiverRun);
            try (Connection c = replica.connect(); Statement st = c.createStatement()) {
                waitFor(st, sync, receiverRun);
                for (int n = 56; n <= 100; n++) {
                    st.execute("INSERT INTO orders VALUES (" + n + ")");
                }
            }
            replica.killHard();
            PgTestCluster.sh("rm", "-rf", replicaData.toString());
            stopReceiver(receiver, receiverRun);
            long branchSegmentStart = Lsn.parse(branch) - Lsn.parse(branch) % (16L << 20);
            assertThat(receiverRun[0].err()).as("the new timeline is streamed from the segment of its branch point %s", branch)
                    .contains("timeline 2 from " + Lsn.format(branchSegmentStart));

            var list = ws.ok("pg list", "--cluster", ws.cluster, "--json").json();
            assertThat(list.get("timelines")).hasSize(2);
            restoreLatestHasOrders1To100(ws);
        } finally {
            PgStreamCommand.stop = new CountDownLatch(1);
        }
    }


    /**
     * An HA pair in one --dsn (both hosts, target_session_attrs=read-write), as an operator
     * configures the receiver once: it streams from the primary; when the primary stops and the
     * replica is promoted, the same receiver — never restarted — finds the new primary, stores
     * timeline 2's history and streams it, and every commit on either side is restored.
     */
    @Test
    void withBothHostsInItsDsnTheRunningReceiverFollowsThePromotion() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("streamha")) {
            PgTestCluster primary = ws.startCluster("a", ws.agentArchiveCommand(ws.work.resolve("a")));
            Path replicaData = ws.work.resolve("b");
            PgTestCluster.asPostgres(PgTestCluster.BIN.resolve("pg_basebackup").toString(), "-D", replicaData.toString(),
                    "-d", ws.dsn(primary), "-X", "stream", "-R", "-c", "fast");
            PgTestCluster replica = ws.track(PgTestCluster.attach(replicaData));
            replica.start();
            String both = "host=" + primary.socketDir + "," + replica.socketDir + " port=" + primary.port + "," + replica.port
                    + " user=postgres dbname=postgres target_session_attrs=read-write";
            CliTestSupport.Run[] receiverRun = new CliTestSupport.Run[1];
            PgStreamCommand.stop = new CountDownLatch(1);
            Thread receiver = new Thread(() -> receiverRun[0] = ws.run("pg stream", "--cluster", ws.cluster, "--dsn", both));
            receiver.start();
            String sync = "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'summit_dr' AND sync_state = 'sync'";
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                backUpThenCommitOrders(ws, primary, st, receiverRun);
                waitFor(st, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'walreceiver'"
                        + " AND replay_lsn >= pg_current_wal_lsn()", receiverRun);
            }
            primary.stop();
            PgTestCluster.asPostgres(PgTestCluster.BIN.resolve("pg_ctl").toString(), "-D", replicaData.toString(), "-w", "promote");
            try (Connection c = replica.connect(); Statement st = c.createStatement()) {
                PgTestCluster.waitUntilPromoted(st);
                st.execute("ALTER SYSTEM SET synchronous_standby_names = 'summit_dr'");
                st.execute("SELECT pg_reload_conf()");
                waitFor(st, sync, receiverRun);
                for (int n = 51; n <= 100; n++) {
                    st.execute("INSERT INTO orders VALUES (" + n + ")");
                }
            }
            replica.killHard();
            PgTestCluster.sh("rm", "-rf", replicaData.toString());
            stopReceiver(receiver, receiverRun);
            assertThat(receiverRun[0].err()).as("one receiver, both timelines").contains("timeline 1 from").contains("timeline 2 from");

            assertThat(ws.ok("pg list", "--cluster", ws.cluster, "--json").json().get("timelines")).hasSize(2);
            restoreLatestHasOrders1To100(ws);
        } finally {
            PgStreamCommand.stop = new CountDownLatch(1);
        }
    }

    /** The receiver becomes the synchronous standby; then a table, a base backup and orders 1..50, each acknowledged. */
    private static void backUpThenCommitOrders(PgWorkspace ws, PgTestCluster primary, Statement st, CliTestSupport.Run[] receiverRun)
            throws Exception {
        waitFor(st, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'summit_dr'", receiverRun);
        st.execute("ALTER SYSTEM SET synchronous_standby_names = 'summit_dr'");
        st.execute("SELECT pg_reload_conf()");
        waitFor(st, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'summit_dr' AND sync_state = 'sync'", receiverRun);
        st.execute("CREATE TABLE orders (n int PRIMARY KEY)");
        ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", primary.data.toString(), "--dsn", ws.dsn(primary));
        for (int n = 1; n <= 50; n++) {
            st.execute("INSERT INTO orders VALUES (" + n + ")");
        }
    }

    /** pg restore --latest through a restarted agent, started: orders 1..100, across both timelines. */
    private static void restoreLatestHasOrders1To100(PgWorkspace ws) throws Exception {
        Path restored = ws.work.resolve("restored");
        ws.restartAgent(restored);   // the agent fetches only into its own --pgdata: on a DR host, the restore target
        ws.ok("pg restore", "--cluster", ws.cluster, "--pgdata", restored.toString(), "--latest", "--agent", ws.socket().toString());
        PgTestCluster server = ws.startRestored(restored, false);
        try (Connection c = server.connect(); Statement st = c.createStatement()) {
            assertThat(PgTestCluster.ints(st, "SELECT n FROM orders ORDER BY n")).as("server log:%n%s", server.log())
                    .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 100).boxed().toList());
        }
    }

    /** 'summit-dr agent --stream': the resident agent archives and is the synchronous standby at once. */
    @Test
    void theAgentIsTheSynchronousStandbyWhenAskedTo() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("agentstream")) {
            Path data = ws.work.resolve("pgdata");
            PgTestCluster primary = ws.track(PgTestCluster.create(data, "false"));
            String archiveCommand = ws.agentArchiveCommand(data, false, "--stream", "--dsn", ws.dsn(primary));
            primary.configure(List.of("archive_command = '" + archiveCommand.replace("'", "''") + "'",
                    "synchronous_standby_names = 'summit_dr'"));
            primary.start();
            List<Integer> committed = new java.util.ArrayList<>();
            String errorWhileStreaming;
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                CliTestSupport.Run[] none = new CliTestSupport.Run[1];
                waitFor(st, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'summit_dr' AND sync_state = 'sync'", none);
                st.execute("CREATE TABLE orders (n int PRIMARY KEY)");
                ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", data.toString(), "--dsn", ws.dsn(primary));
                for (int n = 1; n <= 100; n++) {
                    st.execute("INSERT INTO orders VALUES (" + n + ")");
                    committed.add(n);
                }
                // The agent's /status shows the receiver: streaming, its flush position at least
                // what the primary last heard from it (read first: the position only grows).
                long primarySaw = lsn(lsnOf(st, "SELECT flush_lsn::text FROM pg_stat_replication WHERE application_name = 'summit_dr'"));
                com.fasterxml.jackson.databind.JsonNode stream = agentStream(ws);
                assertThat(stream.path("state").asText()).as("%s", stream).isEqualTo("streaming");
                assertThat(lsn(stream.path("flushedLsn").asText())).isGreaterThanOrEqualTo(primarySaw).isGreaterThan(0);
                assertThat(lsn(stream.path("receivedLsn").asText())).isGreaterThanOrEqualTo(lsn(stream.path("flushedLsn").asText()));
                assertThat(stream.path("lastFlushTime").isNull()).isFalse();
                // lastError may already name the refused connections before the primary was up.
                errorWhileStreaming = stream.path("lastErrorTime").asText(null);
                // pg status --agent shows both views; a streaming receiver adds no warning of its own.
                CliTestSupport.Run both = ws.run("pg status", "--cluster", ws.cluster, "--dsn", ws.dsn(primary), "--agent",
                        ws.socket().toString(), "--json");
                assertThat(both.json().path("receiverState").asText()).as("%s", both).isEqualTo("streaming");
                assertThat(both.json().path("agent").path("stream").path("state").asText()).isEqualTo("streaming");
                assertThat(both.json().path("warnings").toString()).doesNotContain("WAL receiver is");
            }
            primary.killHard();
            // The receiver says why it no longer streams.
            com.fasterxml.jackson.databind.JsonNode lost = agentStream(ws);
            for (int i = 0; i < 200 && !(lost.path("state").asText().equals("retrying")
                    && !lost.path("lastErrorTime").asText("").equals(String.valueOf(errorWhileStreaming))); i++) {
                Thread.sleep(50);
                lost = agentStream(ws);
            }
            assertThat(lost.path("state").asText()).as("%s", lost).isEqualTo("retrying");
            assertThat(lost.path("lastError").asText()).contains("lost or refused");
            assertThat(lost.path("lastErrorTime").asText(null)).isNotNull().isNotEqualTo(errorWhileStreaming);
            // With the primary gone, pg status still reports what the agent knows: the receiver retrying and why.
            CliTestSupport.Run down = ws.run("pg status", "--cluster", ws.cluster, "--dsn", ws.dsn(primary), "--agent",
                    ws.socket().toString(), "--json");
            assertThat(down.exit()).as("%s", down).isEqualTo(1);
            assertThat(down.json().path("agent").path("stream").path("state").asText()).isEqualTo("retrying");
            assertThat(down.json().path("warnings").toString()).contains("the primary is unreachable")
                    .contains("the agent's WAL receiver is retrying since").contains("lost or refused");
            CliTestSupport.Run noAgent = ws.run("pg status", "--cluster", ws.cluster, "--dsn", ws.dsn(primary), "--agent",
                    ws.work.resolve("no-such.sock").toString());
            assertThat(noAgent.exit()).as("%s", noAgent).isEqualTo(1);
            assertThat(noAgent.err()).contains("cannot reach the agent at").contains("no-such.sock");
            PgTestCluster.sh("rm", "-rf", data.toString());

            Path restored = ws.work.resolve("restored");
            ws.restartAgent(restored);   // the agent fetches only into its own --pgdata: on a DR host, the restore target
            ws.ok("pg restore", "--cluster", ws.cluster, "--pgdata", restored.toString(), "--latest", "--agent", ws.socket().toString());
            PgTestCluster server = ws.startRestored(restored, false);
            try (Connection c = server.connect(); Statement st = c.createStatement()) {
                assertThat(PgTestCluster.ints(st, "SELECT n FROM orders ORDER BY n")).isEqualTo(committed);
            }
        }
    }


    private static com.fasterxml.jackson.databind.JsonNode agentStream(PgWorkspace ws) throws Exception {
        LiveAgent.Response r = LiveAgent.request(ws.socket(), "GET", "/status");
        assertThat(r.status()).isEqualTo(200);
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).path("stream");
    }

    private static String lsnOf(Statement st, String sql) throws java.sql.SQLException {
        try (java.sql.ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long lsn(String text) {
        return dr.summit.postgres.wal.Lsn.parse(text);
    }

    /**
     * 'pg backup' of a hot standby (a non-exclusive backup there): its WAL comes from the primary's
     * archive_command and the receiver; the segment of its stop point, which a standby cannot
     * switch, counts once the receiver has streamed past the stop point. After both servers are
     * lost, the standby's backup restores with every acknowledged commit.
     */
    @Test
    void aBackupOfAHotStandbyRestoresWithEveryAcknowledgedCommit() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("streamstandby")) {
            PgTestCluster primary = ws.startCluster("a", ws.agentArchiveCommand(ws.work.resolve("a")));
            CliTestSupport.Run[] receiverRun = new CliTestSupport.Run[1];
            Thread receiver = startReceiver(ws, primary, receiverRun);
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                waitFor(st, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'summit_dr'", receiverRun);
                st.execute("ALTER SYSTEM SET synchronous_standby_names = 'summit_dr'");
                st.execute("SELECT pg_reload_conf()");
                waitFor(st, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'summit_dr' AND sync_state = 'sync'",
                        receiverRun);
                st.execute("CREATE TABLE orders (n int PRIMARY KEY)");
                for (int n = 1; n <= 20; n++) {
                    st.execute("INSERT INTO orders VALUES (" + n + ")");
                }
            }
            Path replicaData = ws.work.resolve("b");
            PgTestCluster.asPostgres(PgTestCluster.BIN.resolve("pg_basebackup").toString(), "-D", replicaData.toString(),
                    "-d", ws.dsn(primary), "-X", "stream", "-R", "-c", "fast");
            PgTestCluster replica = ws.track(PgTestCluster.attach(replicaData));
            replica.start();
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                for (int n = 21; n <= 40; n++) {
                    st.execute("INSERT INTO orders VALUES (" + n + ")");
                }
                waitFor(st, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'walreceiver'"
                        + " AND replay_lsn >= pg_current_wal_lsn()", receiverRun);
            }
            var backup = ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", replicaData.toString(), "--dsn", ws.dsn(replica));
            try (Connection c = replica.connect(); Statement st = c.createStatement()) {
                assertThat(PgTestCluster.scalar(st, "SELECT count(*) FROM orders")).isEqualTo(40L);
            }
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                for (int n = 41; n <= 60; n++) {
                    st.execute("INSERT INTO orders VALUES (" + n + ")");
                }
            }
            primary.killHard();
            replica.killHard();
            PgTestCluster.sh("rm", "-rf", primary.data.toString(), replicaData.toString());
            stopReceiver(receiver, receiverRun);

            Path restored = ws.work.resolve("restored");
            ws.restartAgent(restored);   // the agent fetches only into its own --pgdata: on a DR host, the restore target
            ws.ok("pg restore", "--cluster", ws.cluster, "--pgdata", restored.toString(), "--latest", "--agent", ws.socket().toString());
            assertThat(java.nio.file.Files.readString(restored.resolve("backup_label"))).as("restored from the standby's backup (%s)", backup)
                    .contains("BACKUP FROM: standby");
            PgTestCluster server = ws.startRestored(restored, false);
            try (Connection c = server.connect(); Statement st = c.createStatement()) {
                assertThat(PgTestCluster.ints(st, "SELECT n FROM orders ORDER BY n")).as("server log:%n%s", server.log())
                        .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 60).boxed().toList());
            }
        }
    }

    @Test
    void aSlotNamePostgresWouldRefuseIsAUsageErrorBeforeAnythingConnects() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("streamusage")) {
            CliTestSupport.assertOneLineError(ws.run("pg stream", "--cluster", ws.cluster, "--slot", "Summit-DR",
                    "--dsn", "host=/nonexistent port=1"), ExitCodes.USAGE, "invalid replication slot name 'Summit-DR'");
        }
    }

    /**
     * The backlog valve (--max-wal-backlog): the repository becomes unreachable under load, the
     * slot's retained WAL stays under the limit plus a margin, the gap is recorded (locally, then in
     * the repository), the base backup the receiver starts when the repository is back closes it,
     * and --latest restores every row. With the closing backup gone, the gap is open again: verify
     * fails and a --latest restore is refused naming it.
     */
    @Test
    void theValveKeepsTheSlotUnderTheLimitAndABaseBackupClosesTheGap() throws Exception {
        long limit = 4L << 20;
        try (PgWorkspace ws = PgWorkspace.create("valve")) {
            // 1 MiB segments keep it fast; nothing archives: every byte in the repository came through the receiver.
            PgTestCluster primary = ws.track(PgTestCluster.create(ws.work.resolve("pgdata"), "/bin/true", "--wal-segsize=1"));
            primary.start();
            Path journal = ws.work.resolve("state").resolve("wal-gaps.json");
            PgStreamCommand.stop = new CountDownLatch(1);
            CliTestSupport.Run[] receiverRun = new CliTestSupport.Run[1];
            Thread receiver = new Thread(() -> receiverRun[0] = ws.run("pg stream", "--cluster", ws.cluster, "--dsn", ws.dsn(primary),
                    "--pgdata", primary.data.toString(), "--max-wal-backlog", "4MiB", "--gap-journal", journal.toString()));
            receiver.start();
            Path away = ws.work.resolve("repo.away");
            int rows = 0;
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                waitFor(st, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'summit_dr' AND state = 'streaming'", receiverRun);
                st.execute("CREATE TABLE orders (n int PRIMARY KEY, pad text)");
                ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", primary.data.toString(), "--dsn", ws.dsn(primary));
                rows = insert(st, rows, 100);
                waitUntilFlushed(st, receiverRun);

                // The repository goes away in a way root cannot write through: a file where its directory was.
                java.nio.file.Files.move(ws.repo, away);
                java.nio.file.Files.writeString(ws.repo, "not a repository");
                rows = insert(st, rows, 10);   // a piece write fails: the receiver switches to the valve
                Thread.sleep(1500);
                long generatedFrom = walPosition(st);
                long maxRetained = 0;
                for (int batch = 0; batch < 70; batch++) {
                    rows = insert(st, rows, 200);
                    maxRetained = Math.max(maxRetained, PgTestCluster.scalar(st,
                            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint FROM pg_replication_slots WHERE slot_name = 'summit_dr'"));
                    Thread.sleep(20);
                }
                long generated = walPosition(st) - generatedFrom;
                System.out.printf("valve: %d MiB of WAL while the repository was away, the slot kept at most %.1f MiB (limit 4 MiB)%n",
                        generated >> 20, maxRetained / 1048576.0);
                assertThat(generated).as("WAL written while the repository was away").isGreaterThan(3 * limit);
                assertThat(maxRetained).as("WAL the slot kept on the primary").isLessThan(limit + (2L << 20));
                String pending = java.nio.file.Files.readString(journal);
                assertThat(pending).as("the gap journal while the repository is away").contains("\"source\" : \"stream\"", "fromLsn");

                // The repository comes back: the gap goes into it and a base backup closes it.
                java.nio.file.Files.delete(ws.repo);
                java.nio.file.Files.move(away, ws.repo);
                com.fasterxml.jackson.databind.JsonNode list = null;
                for (int i = 0; i < 120; i++) {
                    list = ws.ok("pg list", "--cluster", ws.cluster, "--json").json();
                    if (list.get("backups").size() == 2 && list.get("walGaps").size() == 1 && !list.get("walGaps").get(0).get("open").asBoolean()) {
                        break;
                    }
                    Thread.sleep(500);
                }
                assertThat(list.get("walGaps")).as("pg list --json: %s", list).hasSize(1);
                com.fasterxml.jackson.databind.JsonNode gap = list.get("walGaps").get(0);
                assertThat(gap.get("open").asBoolean()).as("gap closed by the automatic base backup: %s", list).isFalse();
                assertThat(gap.get("closedBy").asText()).isEqualTo(list.get("backups").get(1).get("id").asText());
                assertThat(gap.get("bytes").asLong()).isGreaterThan(limit);
                assertThat(java.nio.file.Files.readString(journal)).as("journal once the gaps are in the repository").doesNotContain("fromLsn");
                rows = insert(st, rows, 10);
                waitUntilFlushed(st, receiverRun);
            }
            CliTestSupport.Run verify = ws.run("pg verify", "--cluster", ws.cluster);
            assertThat(verify.exit()).as("verify once the gap is closed: %s", verify).isZero();
            assertThat(verify.out()).contains("WAL GAP", "closed by base backup");

            Path restored = ws.work.resolve("restored");
            ws.agentArchiveCommand(restored);   // an agent whose --pgdata is the restore target serves restore_command
            ws.ok("pg restore", "--cluster", ws.cluster, "--pgdata", restored.toString(), "--latest", "--agent", ws.socket().toString());
            PgTestCluster server = ws.startRestored(restored, false);
            try (Connection c = server.connect(); Statement st = c.createStatement()) {
                assertThat(PgTestCluster.scalar(st, "SELECT count(*) FROM orders")).isEqualTo(rows);
                assertThat(PgTestCluster.scalar(st, "SELECT max(n) FROM orders")).isEqualTo(rows);
            }

            // Without a base backup after it the gap is open: verify fails, --latest is refused naming it.
            String closing = ws.ok("pg list", "--cluster", ws.cluster, "--json").json().get("walGaps").get(0).get("closedBy").asText();
            ws.ok("forget", closing.substring(0, 8));
            CliTestSupport.Run open = ws.run("pg verify", "--cluster", ws.cluster);
            assertThat(open.exit()).as("verify with an open gap: %s", open).isNotZero();
            assertThat(open.out()).contains("WAL GAP timeline 1", "OPEN");
            CliTestSupport.Run status = ws.run("pg status", "--cluster", ws.cluster, "--dsn", ws.dsn(primary));
            assertThat(status.exit()).as("pg status with an open gap: %s", status).isEqualTo(3);
            assertThat(status.err()).contains("warning: WAL gap timeline 1", "is open: no restore target at or after its start");
            CliTestSupport.Run refused = ws.run("pg restore", "--cluster", ws.cluster, "--pgdata", ws.work.resolve("refused").toString(),
                    "--latest", "--dry-run");
            assertThat(refused.exit()).isNotZero();
            assertThat(refused.err()).contains("lies across WAL gap timeline 1").doesNotContain("\n\n");

            // A backup after the gap closes it again; once expire keeps only such backups, the gap's record goes too.
            ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", primary.data.toString(), "--dsn", ws.dsn(primary));
            assertThat(ws.run("pg verify", "--cluster", ws.cluster).exit()).isZero();
            ws.ok("pg expire", "--cluster", ws.cluster, "--keep-full", "1");
            assertThat(ws.ok("pg list", "--cluster", ws.cluster, "--json").json().get("walGaps")).isEmpty();

            PgStreamCommand.stop.countDown();
            receiver.join(30_000);
            assertThat(receiverRun[0]).as("pg stream still running").isNotNull();
            assertThat(receiverRun[0].exit()).as("pg stream: %s", receiverRun[0]).isZero();
            assertThat(receiverRun[0].err()).contains("acknowledged WAL without storing it", "closed the WAL gap");
        } finally {
            PgStreamCommand.stop = new CountDownLatch(1);
        }
    }

    /**
     * The valve on archive_command's path (the agent's push): with the repository unreachable, a
     * segment is answered as archived once the ready segments pass the limit, so pg_wal's archive
     * backlog stays bounded; the segments are recorded as a gap, and when the repository is back the
     * agent writes the gap into it and takes the base backup that closes it.
     */
    @Test
    void theAgentsArchivePushKeepsTheReadySegmentsUnderTheLimit() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("valvearch")) {
            Path pgdata = ws.work.resolve("pgdata");
            PgTestCluster primary = ws.track(PgTestCluster.create(pgdata, ws.agentArchiveCommand(pgdata), "--wal-segsize=1"));
            primary.start();
            ws.restartAgent(pgdata, "--max-wal-backlog", "4MiB", "--dsn", ws.dsn(primary));
            Path journal = ws.work.resolve("agent.sock.wal-gaps.json");
            Path away = ws.work.resolve("repo.away");
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE orders (n int PRIMARY KEY, pad text)");
                ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", pgdata.toString(), "--dsn", ws.dsn(primary));
                int rows = insert(st, 0, 100);
                java.nio.file.Files.move(ws.repo, away);
                java.nio.file.Files.writeString(ws.repo, "not a repository");
                long maxReady = 0;
                long archivedBefore = PgTestCluster.scalar(st, "SELECT archived_count FROM pg_stat_archiver");
                for (int segment = 0; segment < 25; segment++) {
                    rows = insert(st, rows, 100);
                    st.execute("SELECT pg_switch_wal()");
                    Thread.sleep(300);
                    maxReady = Math.max(maxReady, PgTestCluster.scalar(st, "SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'"));
                }
                long answered = PgTestCluster.scalar(st, "SELECT archived_count FROM pg_stat_archiver") - archivedBefore;
                System.out.printf("valve (archive): 25 segments while the repository was away, at most %d ready (limit 4 x 1 MiB), %d answered%n",
                        maxReady, answered);
                // PostgreSQL retries a failed archive_command after a second: what arrives meanwhile
                // (about 4 segments at this pace) may pass the limit until the next try.
                assertThat(maxReady).as("segments waiting in pg_wal for archive_command").isLessThanOrEqualTo(4 + 5);
                assertThat(answered).as("segments answered as archived without being stored").isGreaterThanOrEqualTo(15);
                assertThat(java.nio.file.Files.readString(journal)).contains("\"source\" : \"archive\"", "segments");

                java.nio.file.Files.delete(ws.repo);
                java.nio.file.Files.move(away, ws.repo);
                st.execute("SELECT pg_switch_wal()");   // the archiver retries at once
                com.fasterxml.jackson.databind.JsonNode list = null;
                for (int i = 0; i < 120; i++) {
                    list = ws.ok("pg list", "--cluster", ws.cluster, "--json").json();
                    if (list.get("backups").size() == 2 && list.get("walGaps").size() >= 1
                            && !list.get("walGaps").get(list.get("walGaps").size() - 1).get("open").asBoolean()) {
                        break;
                    }
                    Thread.sleep(500);
                }
                assertThat(list.get("walGaps")).as("pg list --json: %s", list).isNotEmpty();
                for (com.fasterxml.jackson.databind.JsonNode gap : list.get("walGaps")) {
                    assertThat(gap.get("source").asText()).isEqualTo("archive");
                    assertThat(gap.get("segments")).isNotEmpty();
                    assertThat(gap.get("open").asBoolean()).as("closed by the agent's base backup: %s", list).isFalse();
                }
            }
            CliTestSupport.Run verify = ws.run("pg verify", "--cluster", ws.cluster);
            assertThat(verify.exit()).as("verify once the gap is closed: %s", verify).isZero();
        }
    }

    private static int insert(Statement st, int from, int count) throws Exception {
        st.execute("INSERT INTO orders SELECT g, repeat('x', 1000) FROM generate_series(" + (from + 1) + ", " + (from + count) + ") g");
        return from + count;
    }

    private static long walPosition(Statement st) throws Exception {
        try (java.sql.ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        }
    }

    /** Waits until the receiver reported everything written so far as flushed. */
    private static void waitUntilFlushed(Statement st, CliTestSupport.Run[] receiverRun) throws Exception {
        long target = walPosition(st);
        waitFor(st, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'summit_dr' AND flush_lsn >= '"
                + Lsn.format(target) + "'::pg_lsn", receiverRun);
    }

    private static Thread startReceiver(PgWorkspace ws, PgTestCluster server, CliTestSupport.Run[] result) {
        PgStreamCommand.stop = new CountDownLatch(1);
        Thread t = new Thread(() -> result[0] = ws.run("pg stream", "--cluster", ws.cluster, "--dsn", ws.dsn(server)));
        t.start();
        return t;
    }

    private static void stopReceiver(Thread receiver, CliTestSupport.Run[] result) throws Exception {
        PgStreamCommand.stop.countDown();
        receiver.join(10_000);
        assertThat(result[0].exit()).as("pg stream: %s", result[0]).isZero();
    }

    private static Process startProcess(List<String> command, Path log) throws Exception {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    private static void waitForProcess(Statement st, String countQuery, Path log) throws Exception {
        for (int i = 0; i < 300; i++) {
            if (PgTestCluster.scalar(st, countQuery) > 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not within 30 s: " + countQuery + "; receiver log:\n" + java.nio.file.Files.readString(log));
    }

    private static void waitFor(Statement st, String countQuery, CliTestSupport.Run[] receiverRun) throws Exception {
        for (int i = 0; i < 300; i++) {
            if (PgTestCluster.scalar(st, countQuery) > 0) {
                return;
            }
            Thread.sleep(100);
        }
        // Stop an in-process receiver so its output can be shown (the run is null while it runs).
        PgStreamCommand.stop.countDown();
        for (int i = 0; i < 100 && receiverRun[0] == null; i++) {
            Thread.sleep(100);
        }
        throw new AssertionError("not within 30 s: " + countQuery + "; receiver: " + receiverRun[0]
                + (receiverRun[0] == null ? "" : "\n" + receiverRun[0].err()));
    }
}
