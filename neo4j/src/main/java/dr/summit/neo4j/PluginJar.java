package dr.summit.neo4j;

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
    // By name: loading the class would need the Neo4j server API, which the agent does not carry.
    private static final String EXTENSION = "dr.summit.neo4j.plugin.CaptureExtensionFactory";
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
            jar.write((EXTENSION + "\n").getBytes(StandardCharsets.UTF_8));
            jar.closeEntry();
        }
        Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    private record Entry(String name, byte[] bytes) {
    }

    private static List<Entry> classes() throws IOException {
        String resource = EXTENSION.replace('.', '/') + ".class";
        java.net.URL url = PluginJar.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IOException("the plugin's classes are not in this program (" + resource + " missing)");
        }
        Path source;
        try {
            String u = url.toString();
            if (u.startsWith("jar:")) {
                source = Path.of(new java.net.URI(u.substring(4, u.indexOf("!/"))));
            } else {
                Path file = Path.of(url.toURI());
                source = file;
                for (int i = 0; i < resource.split("/").length; i++) {
                    source = source.getParent();
                }
            }
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IOException("cannot locate the plugin's classes at " + url + ": " + e.getMessage());
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
