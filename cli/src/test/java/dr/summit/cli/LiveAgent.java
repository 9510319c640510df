package dr.summit.cli;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A resident agent in this JVM for tests that need no PostgreSQL server: a repository, a data
 * directory with an empty pg_wal where tests put synthetic segments, and the agent's socket.
 */
final class LiveAgent implements AutoCloseable {
    static final String CLUSTER = "main";
    final Path work;
    final Path repo;
    final Path password;
    final Path pgdata;
    final Path pgWal;
    final Path socket;
    private Thread thread;
    private final AtomicReference<CliTestSupport.Run> result = new AtomicReference<>();

    private LiveAgent(Path work, String dataDirectory) throws Exception {
        this.work = work;
        this.repo = work.resolve("repo");
        this.password = CliTestSupport.passwordFile(work.resolve("password"), "agent-secret");
        this.pgdata = work.resolve(dataDirectory);
        this.pgWal = Files.createDirectories(pgdata.resolve("pg_wal"));
        this.socket = work.resolve("agent.sock");
        CliTestSupport.ok(repo, password, "init", CliTestSupport.FAST_INIT);
    }

    /** A new workspace with no agent running yet. */
    static LiveAgent prepare() throws Exception {
        return new LiveAgent(Files.createTempDirectory("summit-agent"), "pgdata");
    }

    /** Starts an agent whose data directory has the name {@code dataDirectory} (any characters a path may hold). */
    static LiveAgent startWithDataDirectory(String dataDirectory, String... extra) throws Exception {
        LiveAgent agent = new LiveAgent(Files.createTempDirectory("summit-agent"), dataDirectory);
        agent.startAgent(extra);
        return agent;
    }

    /** Prepares a workspace and starts the agent with {@code extra} options. */
    static LiveAgent start(String... extra) throws Exception {
        LiveAgent agent = prepare();
        agent.startAgent(extra);
        return agent;
    }

    void startAgent(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--socket", socket.toString(), "--cluster", CLUSTER, "--pgdata", pgdata.toString()));
        args.addAll(Arrays.asList(extra));
        thread = new Thread(() -> result.set(CliTestSupport.run(repo, password, "agent", args.toArray(String[]::new))), "test-agent");
        thread.start();
        for (int i = 0; i < 200 && thread.isAlive(); i++) {
            try {
                if (request("GET", "/status").status() == 200) {
                    return; // answering (a stale socket left at the path answers nothing)
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        thread.join(5_000);
        throw new AssertionError("agent did not answer on " + socket + ": " + result.get());
    }

    /** Runs another agent command to its end (one that is expected to fail at once). */
    CliTestSupport.Run runAgent(String... extra) {
        List<String> args = new ArrayList<>(List.of("--cluster", CLUSTER, "--pgdata", pgdata.toString()));
        args.addAll(Arrays.asList(extra));
        return CliTestSupport.run(repo, password, "agent", args.toArray(String[]::new));
    }

    /** Stops the agent; what it printed. */
    CliTestSupport.Run stop() throws InterruptedException {
        if (thread != null) {
            AgentCommand.stop.countDown();
            thread.join(10_000);
            AgentCommand.stop = new CountDownLatch(1);
            thread = null;
        }
        return result.get();
    }

    /** A synthetic WAL segment in pg_wal: a long page header naming system 42, then seeded random bytes. */
    Path segment(String name, int size, long seed) throws IOException {
        return Files.write(pgWal.resolve(name), segmentBytes(size, seed));
    }

    static byte[] segmentBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        bytes[2] = 0x02;
        bytes[3] = 0;
        bytes[24] = 42;
        Arrays.fill(bytes, 25, 32, (byte) 0);
        return bytes;
    }

    /** The n-th segment name of timeline 1. */
    static String segmentName(int n) {
        return String.format("00000001000000000000%04X", n);
    }

    record Response(int status, String body) {
    }

    /** One HTTP/1.0 request over the socket. */
    Response request(String method, String target) throws IOException {
        return request(socket, method, target);
    }

    /** One HTTP/1.0 request to the agent listening on {@code socket}. */
    static Response request(Path socket, String method, String target) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap((method + " " + target + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)));
            String text = new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
            if (text.isEmpty()) {
                return new Response(0, "");
            }
            int status = Integer.parseInt(text.substring(9, 12));
            int body = text.indexOf("\r\n\r\n");
            return new Response(status, body < 0 ? "" : text.substring(body + 4));
        }
    }

    static String query(String value) {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    Response push(Path file) throws IOException {
        return request("POST", "/wal-push?path=" + query(file.toString()));
    }

    Response fetch(String name, Path destination) throws IOException {
        return request("GET", "/wal-fetch?name=" + query(name) + "&path=" + query(destination.toString()));
    }

    /** Names archived in the repository (read from the store, not through the agent). */
    List<String> archived() throws IOException {
        Path dir = repo.resolve("pg").resolve(CLUSTER).resolve("wal");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9A-F].*")).sorted().toList();
        }
    }

    @Override
    public void close() throws Exception {
        stop();
        CliTestSupport.deleteRecursively(work);
    }
}
