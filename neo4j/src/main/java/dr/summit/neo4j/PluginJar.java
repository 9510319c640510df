package dr.summit.neo4j;

import dr.summit.neo4j.plugin.CaptureExtensionFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Writes the server plugin jar (the neo4j-plugin module's classes plus the service registration
 * of its extension) from wherever this program runs: the build's class directories or the one
 * distribution jar. The registration lives only in the written jar, so the classes on the agent's
 * own classpath (or a test's) never start capture a second time.
 */
public final class PluginJar {
    public static final String FILE_NAME = "summit-dr-neo4j-plugin.jar";
    private static final String PACKAGE = "dr/summit/neo4j/plugin/";
    private static final String SERVICE = "META-INF/services/org.neo4j.kernel.extension.ExtensionFactory";

    private PluginJar() {
    }

    /** Writes the jar into directory {@code dir} (created if missing); returns its path. */
    public static Path writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(FILE_NAME);
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Implementation-Title", "summit-dr Neo4j change capture");
        try (OutputStream file = Files.newOutputStream(tmp); JarOutputStream jar = new JarOutputStream(file, manifest)) {
            for (Entry e : classes()) {
                jar.putNextEntry(new JarEntry(e.name()));
                jar.write(e.bytes());
                jar.closeEntry();
            }
            jar.putNextEntry(new JarEntry(SERVICE));
            jar.write((CaptureExtensionFactory.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
            jar.closeEntry();
        }
        Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    private record Entry(String name, byte[] bytes) {
    }

    private static List<Entry> classes() throws IOException {
        Path source;
        try {
            source = Path.of(CaptureExtensionFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IOException("cannot locate the plugin's classes: " + e);
        }
        List<Entry> out = new ArrayList<>();
        if (Files.isDirectory(source)) {
            Path pkg = source.resolve(PACKAGE);
            try (var files = Files.walk(pkg)) {
                for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                    out.add(new Entry(source.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p)));
                }
            }
        } else {
            try (JarFile jar = new JarFile(source.toFile())) {
                Enumeration<JarEntry> entries = jar.entries();
                while (entries.hasMoreElements()) {
                    JarEntry e = entries.nextElement();
                    if (!e.isDirectory() && e.getName().startsWith(PACKAGE)) {
                        try (InputStream in = jar.getInputStream(e)) {
                            out.add(new Entry(e.getName(), in.readAllBytes()));
                        }
                    }
                }
            }
        }
        if (out.isEmpty()) {
            throw new IOException("no plugin classes found in " + source);
        }
        return out;
    }
}
