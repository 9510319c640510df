package dr.summit.cli;

import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code --host}, {@code --tag}, {@code --path}: which snapshots a command considers, as restic's
 * filters: a snapshot matches when its host is one of the hosts, it carries every tag of at least one
 * {@code --tag} value ({@code --tag a,b --tag c} means (a and b) or c), and its paths include every
 * {@code --path}. With a filter, {@code latest} means the latest matching snapshot.
 */
final class SnapshotFilter {
    @Option(names = "--host", paramLabel = "HOST", description = "Only snapshots of this host (repeatable: any of them).")
    List<String> hosts = new ArrayList<>();
    @Option(names = "--tag", paramLabel = "TAG[,TAG...]",
            description = "Only snapshots with all these tags (repeatable: any of the lists).")
    List<String> tags = new ArrayList<>();
    @Option(names = "--path", paramLabel = "PATH", description = "Only snapshots that include this backed-up path (repeatable: all of them).")
    List<String> paths = new ArrayList<>();

    boolean isEmpty() {
        return hosts.isEmpty() && tags.isEmpty() && paths.isEmpty();
    }

    boolean matches(Snapshot s) {
        if (!hosts.isEmpty() && !hosts.contains(s.host())) {
            return false;
        }
        if (!tags.isEmpty() && tags.stream().noneMatch(list -> s.tags().containsAll(tagList(list)))) {
            return false;
        }
        return paths.stream().map(SnapshotFilter::normalize).allMatch(s.paths()::contains);
    }

    List<Snapshot> apply(List<Snapshot> snapshots) {
        return snapshots.stream().filter(this::matches).toList();
    }

    /**
     * Resolves {@code ref}: {@code latest} is the newest snapshot that matches; an id or prefix must
     * name a snapshot that matches too, so a filter never silently widens to one it excludes.
     */
    Snapshot find(Repository repo, String ref) {
        if (isEmpty()) {
            return repo.findSnapshot(ref);
        }
        if (ref.equals("latest")) {
            List<Snapshot> matching = apply(repo.selectableSnapshots("choose the latest snapshot matching " + describe()));
            if (matching.isEmpty()) {
                throw new CommandFailure("no snapshot matches " + describe(), ExitCodes.NOT_FOUND);
            }
            return matching.get(matching.size() - 1);
        }
        Snapshot s = repo.findSnapshot(ref);
        if (!matches(s)) {
            throw new CommandFailure("snapshot " + s.shortId() + " does not match " + describe(), ExitCodes.NOT_FOUND);
        }
        return s;
    }

    /** The filter as the options that give it, for messages. */
    String describe() {
        List<String> parts = new ArrayList<>();
        hosts.forEach(h -> parts.add("--host " + h));
        tags.forEach(t -> parts.add("--tag " + t));
        paths.forEach(p -> parts.add("--path " + p));
        return String.join(" ", parts);
    }

    private static List<String> tagList(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
    }

    /** Backed-up paths are stored absolute and normalized; compare the same form, except bucket locations. */
    private static String normalize(String path) {
        return path.startsWith("s3:") ? path : Path.of(path).toAbsolutePath().normalize().toString();
    }
}
