package dr.summit.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The distributed jar carries one HTTP client stack. The AWS SDK picks its HTTP client from the services
 * registered in the jar; a second one (Apache, pulled back in by STS) would add megabytes and make the choice
 * depend on class-path order.
 */
class ShadedJarIT {
    private static final Path JAR = Path.of("target", "summit-dr.jar");

    @Test
    void oneHttpClientStack() throws IOException {
        assertThat(JAR).exists();
        try (JarFile jar = new JarFile(JAR.toFile())) {
            List<String> names = Collections.list(jar.entries()).stream().map(JarEntry::getName).toList();
            assertThat(names).as("the url-connection client is there").anyMatch(n -> n.startsWith("software/amazon/awssdk/http/urlconnection/"));
            assertThat(names).as("no Apache HTTP client").noneMatch(n -> n.startsWith("org/apache/http/") || n.startsWith("org/apache/hc/")
                    || n.startsWith("software/amazon/awssdk/http/apache"));
            assertThat(names).as("no Netty-based AWS client").noneMatch(n -> n.startsWith("software/amazon/awssdk/http/nio/netty/"));
            assertThat(serviceLines(jar, "META-INF/services/software.amazon.awssdk.http.SdkHttpService"))
                    .containsExactly("software.amazon.awssdk.http.urlconnection.UrlConnectionSdkHttpService");
            assertThat(serviceLines(jar, "META-INF/services/software.amazon.awssdk.http.async.SdkAsyncHttpService")).isEmpty();
        }
        assertThat(Files.size(JAR)).as("jar size").isLessThan(80L << 20);
    }

    @Test
    void theBuildShipsCompletionAndAManPagePerCommand() throws IOException {
        Path dist = Path.of("target", "dist");
        assertThat(dist.resolve("completion/summit-dr.bash")).isRegularFile();
        assertThat(dist.resolve("completion/_summit-dr")).isRegularFile();
        try (var pages = Files.list(dist.resolve("man/man1"))) {
            assertThat(pages.count()).isEqualTo(ManPages.allCommands(Main.commandLine().getCommandSpec()).size());
        }
        assertThat(Files.readString(dist.resolve("man/man1/summit-dr-restore.1"))).contains(".SH OPTIONS", "\\-\\-target");
    }

    private static List<String> serviceLines(JarFile jar, String name) throws IOException {
        JarEntry entry = jar.getJarEntry(name);
        List<String> lines = new ArrayList<>();
        if (entry == null) {
            return lines;
        }
        try (InputStream in = jar.getInputStream(entry)) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String t = line.strip();
                if (!t.isEmpty() && !t.startsWith("#")) {
                    lines.add(t);
                }
            }
        }
        return lines;
    }
}
