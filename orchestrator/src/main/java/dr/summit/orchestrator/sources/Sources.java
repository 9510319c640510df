package dr.summit.orchestrator.sources;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The configured sources, by kind and name; a kind with none answers {@link SourceUnavailable}. */
public final class Sources {
    private final List<RecoverableSource> all;

    public Sources(List<RecoverableSource> all) {
        this.all = List.copyOf(all);
    }

    public List<RecoverableSource> all() {
        return all;
    }

    public List<RecoverableSource> ofKind(String kind) {
        return all.stream().filter(s -> s.kind().equals(kind)).toList();
    }

    /** The source of {@code kind} named {@code name}, or the only one when name is null. */
    public RecoverableSource one(String kind, String name) {
        List<RecoverableSource> candidates = ofKind(kind);
        if (candidates.isEmpty()) {
            throw new SourceUnavailable("no " + (kind.equals("neo4j") ? "Neo4j" : kind.equals("postgres") ? "PostgreSQL" : kind)
                    + " source configured");
        }
        if (name == null) {
            if (candidates.size() > 1) {
                throw new IllegalArgumentException("source: " + candidates.size() + " " + kind + " sources are configured, name one of "
                        + candidates.stream().map(RecoverableSource::name).toList());
            }
            return candidates.get(0);
        }
        Optional<RecoverableSource> found = candidates.stream().filter(s -> s.name().equals(name)).findFirst();
        return found.orElseThrow(() -> new IllegalArgumentException("source: no " + kind + " source named '" + name + "'"));
    }

    public List<String> names() {
        List<String> names = new ArrayList<>();
        all.forEach(s -> names.add(s.kind() + ":" + s.name()));
        return names;
    }
}
