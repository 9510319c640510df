package dr.summit.postgres.connect;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A machine in memory: variables, the OS user "alice" with home /home/alice, and files with modes. */
final class FakeEnvironment implements ConnectionEnvironment {
    final Map<String, String> variables = new HashMap<>();
    final Map<Path, LocalFile> files = new HashMap<>();

    FakeEnvironment set(String name, String value) {
        variables.put(name, value);
        return this;
    }

    FakeEnvironment file(String path, String mode, String text) {
        Set<PosixFilePermission> perms = PosixFilePermissions.fromString(mode);
        files.put(Path.of(path), new LocalFile(text, true, perms));
        return this;
    }

    @Override
    public String variable(String name) {
        return variables.get(name);
    }

    @Override
    public String osUser() {
        return "alice";
    }

    @Override
    public Path home() {
        return Path.of("/home/alice");
    }

    @Override
    public Optional<LocalFile> read(Path path) {
        return Optional.ofNullable(files.get(path));
    }

    @Override
    public boolean exists(Path path) {
        return files.containsKey(path);
    }
}
