package dr.summit.files.restore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Creates a restore's directories on their own threads, ahead of the walk that needs them. When
 * the walk reads a directory's listing, every subdirectory in it is handed here at once; the walk
 * goes on with that directory's files and waits only when it reaches a subdirectory not yet made.
 * Listings are created in parallel, each on one thread in name order, so two siblings appear in
 * the order the snapshot lists them, as they did when the walk made them itself.
 *
 * <p>Why: the profile of a restore of 20,000 small files in 1,800 directories had the walking
 * thread in mkdir for most of its 1.4 s, one directory at a time, with the workers waiting.
 */
final class DirectoriesAhead implements AutoCloseable {
    /** Creates one directory (by its key) and checks it is the one created; see {@link TargetDirectories#adopt}. */
    @FunctionalInterface
    interface Creation {
        void create(String key) throws IOException;
    }

    private final ExecutorService threads;
    private final Creation creation;
    /** Directories handed over and not yet reached by the walk; the walk's thread alone uses it. */
    private final Map<String, CompletableFuture<Void>> pending = new HashMap<>();

    DirectoriesAhead(int threads, Creation creation) {
        this.creation = creation;
        this.threads = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "summit-restore-mkdir");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts creating the subdirectories {@code keys} of one listing, in this order, on one thread. */
    void ahead(List<String> keys) {
        if (keys.isEmpty()) {
            return;
        }
        List<CompletableFuture<Void>> made = new ArrayList<>(keys.size());
        for (String key : keys) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            pending.put(key, f);
            made.add(f);
        }
        threads.execute(() -> {
            for (int i = 0; i < keys.size(); i++) {
                try {
                    creation.create(keys.get(i));
                    made.get(i).complete(null);
                } catch (Throwable e) {
                    made.get(i).completeExceptionally(e);
                }
            }
        });
    }

    /** Returns once directory {@code key} exists: created ahead, or now, on this thread, if it was never handed over. */
    void await(String key) throws IOException, InterruptedException {
        CompletableFuture<Void> made = pending.remove(key);
        if (made == null) {
            creation.create(key);
            return;
        }
        try {
            made.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;   // the walk reports it as it reported a failed mkdir of its own
            }
            throw WorkFailure.unwrap(e.getCause(), "cannot create a directory of the restore");
        }
    }

    /** Stops the creators and waits for them: none may still make a directory once the restore's directories are closed. */
    @Override
    public void close() {
        WorkFailure.stopAndWait(threads);
    }
}
