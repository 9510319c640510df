package dr.summit.repository.maintenance;

import com.fasterxml.jackson.annotation.JsonInclude;
import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.format.Json;
import dr.summit.repository.store.ObjectNotFoundException;
import dr.summit.repository.store.ObjectStore;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Phase one of prune (docs/repository-format.md, "Prune"): packs that hold nothing the listed
 * snapshots need, written to {@code prune/ID.plan} <em>before</em> they leave the index, so no
 * process adopts them back. {@code prune/ID.ready} records when the index stopped listing them;
 * the packs are deleted (phase two) only once no lease from before that moment is alive, and only
 * those that no snapshot committed since needs.
 *
 * @param packs     hex pack ids marked for deletion
 * @param snapshots ids of the snapshots whose references were counted
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PruneMark(int version, String id, Instant created, List<String> packs, List<String> snapshots,
                        Instant indexRewritten) {
    public static final String PREFIX = "prune/";

    public String planName() {
        return PREFIX + id + ".plan";
    }

    public String readyName() {
        return PREFIX + id + ".ready";
    }

    public PruneMark ready(Instant at) {
        return new PruneMark(version, id, created, packs, snapshots, at);
    }

    public void writePlan(ObjectStore store) {
        store.put(planName(), json(new PruneMark(version, id, created, packs, snapshots, null)));
    }

    public void writeReady(ObjectStore store, Instant at) {
        store.put(readyName(), json(new PruneMark(version, id, created, List.of(), List.of(), at)));
    }

    /** Deletes the mark: the ready object first, so a crash never leaves "ready" without a plan. */
    public void delete(ObjectStore store) {
        store.delete(readyName());
        store.delete(planName());
    }

    /** Every mark in the store, with its ready time where written. */
    public static List<PruneMark> list(ObjectStore store) {
        List<PruneMark> marks = new ArrayList<>();
        Set<String> names = new HashSet<>(store.list(PREFIX));
        for (String name : names) {
            if (!name.endsWith(".plan")) {
                continue;
            }
            try {
                PruneMark plan = parse(store.get(name), name);
                String ready = name.substring(0, name.length() - ".plan".length()) + ".ready";
                if (names.contains(ready)) {
                    plan = plan.ready(parse(store.get(ready), ready).indexRewritten());
                }
                marks.add(plan);
            } catch (ObjectNotFoundException finished) {
                // another prune completed it meanwhile
            }
        }
        return marks;
    }

    /** Hex ids of every pack some mark holds: not to be adopted into the index again. */
    public static Set<String> markedPacks(ObjectStore store) {
        Set<String> packs = new HashSet<>();
        list(store).forEach(m -> packs.addAll(m.packs()));
        return packs;
    }

    private static byte[] json(PruneMark mark) {
        try {
            return Json.MAPPER.writeValueAsBytes(mark);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PruneMark parse(byte[] bytes, String what) {
        try {
            PruneMark mark = Json.MAPPER.readValue(bytes, PruneMark.class);
            if (mark == null || mark.id() == null || mark.created() == null) {
                throw new CorruptObjectException(what + ": not a prune mark");
            }
            return new PruneMark(mark.version(), mark.id(), mark.created(), mark.packs() == null ? List.of() : mark.packs(),
                    mark.snapshots() == null ? List.of() : mark.snapshots(), mark.indexRewritten());
        } catch (IOException e) {
            throw new CorruptObjectException(what + ": not a prune mark (" + e.getClass().getSimpleName() + ")", e);
        }
    }
}
