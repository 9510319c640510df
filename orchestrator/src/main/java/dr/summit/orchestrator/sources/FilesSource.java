package dr.summit.orchestrator.sources;

import dr.summit.files.restore.RestoreResult;
import dr.summit.files.restore.Restorer;
import dr.summit.orchestrator.jobs.JobContext;
import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Directory trees backed up as {@code files} snapshots; {@code path} (null: every files snapshot) selects
 * the snapshots of one source directory. A restore re-reads every file it wrote and compares it with the
 * snapshot's chunk ids (keyed content digests), so a passed check means the bytes are the backup's.
 */
public final class FilesSource implements RecoverableSource {
    private final Repository repo;
    private final String name;
    private final String path;

    public FilesSource(Repository repo, String name, String path) {
        this.repo = repo;
        this.name = name;
        this.path = path;
    }

    @Override
    public String kind() {
        return "files";
    }

    @Override
    public String name() {
        return name;
    }

    /** The directory backed up (null: every files snapshot belongs to this source). */
    public String path() {
        return path;
    }

    private List<Snapshot> snapshots() {
        return repo.selectableSnapshots("list backups of " + name).stream()
                .filter(s -> "files".equals(s.kind()))
                .filter(s -> path == null || s.paths().contains(path))
                .sorted(Comparator.comparing(Snapshot::time).reversed())
                .toList();
    }

    @Override
    public String backupUnavailable() {
        return path != null ? null : "files source '" + name + "' has no path to back up (add [[files]] with name and path)";
    }

    /** A files backup of {@code path}, its parent the newest snapshot of that path (as 'summit-dr backup' picks it). */
    @Override
    public Map<String, Object> backUp(JobContext context) throws Exception {
        context.phase("backing up " + path);
        Snapshot parent = repo.listSnapshots().stream()
                .filter(s -> "files".equals(s.kind()) && s.paths().contains(path))
                .max(Comparator.comparing(Snapshot::time)).orElse(null);
        repo.loadIndex();
        dr.summit.files.backup.Archiver.Result r = new dr.summit.files.backup.Archiver(repo,
                dr.summit.files.backup.Archiver.Options.defaults(ServerHost.name(), System.getProperty("user.name"), "summit-dr server"))
                .backup(List.of(Path.of(path)), parent);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("snapshot", r.snapshot().id());
        result.put("files", r.snapshot().summary() == null ? null : r.snapshot().summary().files());
        result.put("warnings", r.warningCount());
        return result;
    }

    @Override
    public List<BackupInfo> backups() {
        return snapshots().stream().map(this::info).toList();
    }

    private BackupInfo info(Snapshot s) {
        return new BackupInfo(s.id(), "files", name, s.time(), s.summary() == null ? 0 : s.summary().totalBytes(),
                s.summary() == null ? 0 : s.summary().files(), s.host(), s.tags());
    }

    @Override
    public RecoveryPlan plan(RecoveryRequest request) {
        if (request.targetLsn() != null || request.targetXid() != null || request.targetName() != null) {
            throw new IllegalArgumentException("files source '" + name + "' recovers to a time or a backup, not an LSN, xid or restore point");
        }
        List<Snapshot> all = snapshots();
        if (all.isEmpty()) {
            throw new UnknownBackup("files source '" + name + "' has no backups in " + repo.store().location());
        }
        BackupRef ref = BackupRef.parse(request.backupId());
        String id = request.backupId();
        Snapshot chosen;
        if (request.targetTime() != null) {
            chosen = all.stream().filter(s -> !s.time().isAfter(request.targetTime())).findFirst()
                    .orElseThrow(() -> new OutsideWindow("no backup of files source '" + name + "' at or before " + request.targetTime(),
                            List.of(new OutsideWindow.Window(all.get(all.size() - 1).time(), all.get(0).time()))));
        } else if (ref.latest()) {
            chosen = all.get(0);
        } else {
            List<Snapshot> matches = all.stream().filter(s -> ref.matches(s.id(), s.time())).toList();
            if (matches.size() != 1) {
                throw new UnknownBackup(matches.isEmpty() ? "no backup " + id + " of files source '" + name + "'"
                        : "backup id prefix " + id + " is ambiguous (" + matches.size() + " matches)");
            }
            chosen = matches.get(0);
        }
        return plan(chosen);
    }

    private RecoveryPlan plan(Snapshot s) {
        long bytes = s.summary() == null ? 0 : s.summary().totalBytes();
        return new RecoveryPlan(name, "files", s.id(), s.time(), s.time(), null, bytes, RecoveryPlan.estimate(bytes), null, s);
    }

    @Override
    public RecoveryPlan randomPoint(Random random) {
        List<Snapshot> all = snapshots();
        if (all.isEmpty()) {
            throw new UnknownBackup("files source '" + name + "' has no backups");
        }
        return plan(all.get(random.nextInt(all.size())));
    }

    @Override
    public RestoreCheck restore(RecoveryPlan plan, Path target, boolean drill, JobContext context) throws Exception {
        Snapshot s = (Snapshot) plan.handle();
        context.phase("restoring " + name + " (" + s.shortId() + ")");
        Restorer restorer = new Restorer(repo, Restorer.Options.defaults().withVerify(true));
        RestoreResult r = restorer.restore(s, target);
        context.checkCancelled();
        List<String> problems = new ArrayList<>(r.failures());
        if (!r.complete() && problems.isEmpty()) {
            problems.add(r.failureCount() + " entries could not be restored");
        }
        long expected = s.summary() == null ? -1 : s.summary().files();
        if (expected >= 0 && r.files() != expected) {
            problems.add("restored " + r.files() + " files, the snapshot has " + expected);
        }
        // Files with content are re-read and compared chunk by chunk (a mismatch is one of r.failures());
        // empty files and hard links have nothing of their own to compare, so verifiedFiles may be lower.
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("snapshot", s.id());
        facts.put("files", r.files());
        facts.put("bytes", r.bytes());
        facts.put("verifiedFiles", r.verifiedFiles());
        context.progress(1, r.bytes());
        return new RestoreCheck(problems.isEmpty(), problems, facts);
    }
}
