package dr.summit.neo4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A Neo4j home (bin/, conf/) for the offline restore in tests and benchmarks, with no Neo4j
 * tarball: its bin/neo4j-admin runs neo4j-admin's own entry point (org.neo4j.cli.AdminTool, from
 * neo4j-command-line and neo4j-import-tool, which the harness brings) on this JVM's class path, as
 * the installation's script runs it on lib/*.
 */
final class AdminToolHome {
    private AdminToolHome() {
    }

    /** {@code jvmArgs}, {@code extraArgs}: added before the class and after the command's own arguments. */
    static Path create(Path home, String jvmArgs, String extraArgs) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return withScript(home, "exec '" + java + "' " + jvmArgs + " -cp '" + System.getProperty("java.class.path") + "' org.neo4j.cli.AdminTool \"$@\" "
                + extraArgs);
    }

    /** A home whose bin/neo4j-admin is {@code body} (a shell fragment). */
    static Path withScript(Path home, String body) throws IOException {
        Files.createDirectories(home.resolve("bin"));
        Files.createDirectories(home.resolve("conf"));
        Path script = home.resolve("bin").resolve("neo4j-admin");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }
}
