package dr.summit.postgres.connect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * What connection settings are resolved against: environment variables, the OS user and home,
 * and the files libpq reads (password and service files, certificates). The real one reads the
 * machine; tests pass their own.
 */
public interface ConnectionEnvironment {
    /** An environment variable, or null. */
    String variable(String name);

    /** The OS user name: the default role. */
    String osUser();

    /** The home directory: $HOME as libpq 15 takes it, else the account's. */
    Path home();

    /** The file's text and permissions, or empty where there is none (or it cannot be read). */
    Optional<LocalFile> read(Path path);

    boolean exists(Path path);

    /** A file as read: its text, whether it is a plain file, its permission bits. */
    record LocalFile(String text, boolean regular, Set<PosixFilePermission> permissions) {
        boolean groupOrWorldAccess() {
            return permissions.stream().anyMatch(p -> !p.name().startsWith("OWNER_"));
        }
    }

    /** This machine, with environment variables from {@code env} (the CLI's, replaceable in tests). */
    static ConnectionEnvironment system(Function<String, String> env) {
        return new ConnectionEnvironment() {
            @Override
            public String variable(String name) {
                return env.apply(name);
            }

            @Override
            public String osUser() {
                return System.getProperty("user.name");
            }

            @Override
            public Path home() {
                String home = env.apply("HOME");
                return Path.of(home == null || home.isEmpty() ? System.getProperty("user.home") : home);
            }

            @Override
            public Optional<LocalFile> read(Path path) {
                try {
                    boolean regular = Files.isRegularFile(path);
                    return Optional.of(new LocalFile(regular ? Files.readString(path, StandardCharsets.UTF_8) : "", regular,
                            Files.getPosixFilePermissions(path)));
                } catch (NoSuchFileException | java.nio.file.AccessDeniedException e) {
                    return Optional.empty();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
                }
            }

            @Override
            public boolean exists(Path path) {
                return Files.exists(path);
            }
        };
    }
}
