package dr.summit.orchestrator.records;

import dr.summit.repository.Repository;
import dr.summit.repository.crypto.SealedObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Small JSON records sealed in the repository under {@code orchestrator/} (docs/repository-format.md,
 * "Orchestrator records"). Every name is written once: a record that changes (a job's state) is a new
 * name with a higher sequence number, so two servers never overwrite each other, and a put that finds
 * the name taken fails ({@code ObjectExistsException}) instead of replacing it. Nothing is replaced; only a
 * schedule's run records are deleted once no server can try their due time again.
 */
public final class Records {
    public static final String PREFIX = "orchestrator/";
    private final Repository repo;

    public Records(Repository repo) {
        this.repo = repo;
    }

    public void put(String name, Object value) {
        try {
            repo.putSealed(PREFIX + name, SealedObject.Kind.RECORD, Json.MAPPER.writeValueAsBytes(value));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode orchestrator record " + name, e);
        }
    }

    public <T> T get(String name, Class<T> type) {
        byte[] plain = repo.getSealed(PREFIX + name, SealedObject.Kind.RECORD);
        try {
            return Json.MAPPER.readValue(plain, type);
        } catch (IOException e) {
            throw new UncheckedIOException("orchestrator record " + PREFIX + name + " is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    /**
     * Deletes a record (absent: no error). Only for records that nobody can write again under the same name with a
     * different meaning: a schedule's old run records ({@code RunRecordRetention}); everything else is kept.
     */
    public void delete(String name) {
        repo.store().delete(PREFIX + name);
    }

    public boolean exists(String name) {
        return repo.store().exists(PREFIX + name);
    }

    /** Names under {@code prefix}, relative to {@code orchestrator/}, sorted. */
    public List<String> list(String prefix) {
        return repo.store().list(PREFIX + prefix).stream().map(n -> n.substring(PREFIX.length())).sorted().toList();
    }

    public Repository repository() {
        return repo;
    }
}
