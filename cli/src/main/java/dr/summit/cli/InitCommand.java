package dr.summit.cli;

import dr.summit.repository.Repository;
import dr.summit.repository.blob.Compression;
import dr.summit.repository.chunker.ChunkerParams;
import dr.summit.repository.crypto.Argon2Params;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "init", description = "Create a new repository in an empty location.")
final class InitCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin OutputOptions output;
    @Spec CommandSpec spec;

    @Option(names = "--compression", defaultValue = "zstd", description = "zstd (default), lz4 (fastest) or none.")
    String compression;
    @Option(names = "--zstd-level", defaultValue = "3", description = "zstd level 1..19 (default ${DEFAULT-VALUE}).")
    int zstdLevel;
    @Option(names = "--pack-size-mib", defaultValue = "16", description = {"Target pack size in MiB (default ${DEFAULT-VALUE}); 16..64 recommended: smaller packs multiply store requests,",
            "larger ones cost memory per upload. 1..128 allowed."})
    int packSizeMiB;
    @Option(names = "--chunk-min-kib", defaultValue = "256", description = "Minimum chunk size in KiB (default ${DEFAULT-VALUE}).")
    int chunkMin;
    @Option(names = "--chunk-avg-kib", defaultValue = "1024", description = "Average chunk size in KiB, a power of two (default ${DEFAULT-VALUE}).")
    int chunkAvg;
    @Option(names = "--chunk-max-kib", defaultValue = "4096", description = "Maximum chunk size in KiB (default ${DEFAULT-VALUE}).")
    int chunkMax;
    @Option(names = "--kdf-memory-kib", defaultValue = "65536", description = "Argon2id memory for the first key slot (default ${DEFAULT-VALUE}).")
    int kdfMemory;
    @Option(names = "--kdf-iterations", defaultValue = "3", description = "Argon2id iterations (default ${DEFAULT-VALUE}).")
    int kdfIterations;

    @Option(names = "--group-access", description = {"Local repository readable by its directory's group: files 0640, directories 0750",
            "(default: 0600/0700 whatever the umask, as key slots can be attacked offline by anyone who can copy them)."})
    boolean groupAccess;

    @Override
    public Integer call() {
        char[] password = repository.password(true);
        Repository.InitOptions options = new Repository.InitOptions(
                new ChunkerParams(chunkMin * 1024, chunkAvg * 1024, chunkMax * 1024), packSizeMiB * 1024 * 1024,
                Compression.parse(compression), zstdLevel, new Argon2Params(kdfMemory, kdfIterations, 2));
        try (Repository repo = Repository.init(repository.store(), password, options)) {
            if (groupAccess) {
                if (!(repo.store() instanceof dr.summit.repository.store.LocalDirectoryStore local)) {
                    throw new CommandFailure("--group-access applies to a local repository; on S3 use the bucket's policies", ExitCodes.USAGE);
                }
                dr.summit.repository.store.LocalDirectoryStore.allowGroupAccess(local.root());
            }
            if (output.json) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("repositoryId", repo.config().repositoryId());
                json.put("location", repo.store().location());
                json.put("formatVersion", 1);
                OutputOptions.printJson(spec.commandLine().getOut(), json);
            } else {
                spec.commandLine().getOut().println("created repository " + repo.config().repositoryId().substring(0, 8)
                        + " at " + repo.store().location());
            }
        }
        return ExitCodes.OK;
    }
}
