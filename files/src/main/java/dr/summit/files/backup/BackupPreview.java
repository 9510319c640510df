package dr.summit.files.backup;

import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.chunker.ChunkStream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * {@code backup --dry-run}: walks the sources with the same exclusion rules as {@link Archiver},
 * cuts every regular file into the chunks a backup would store and looks each one up in the index,
 * so that "new bytes" is what the backup would add before compression. It writes nothing: no pack,
 * no index, no snapshot. Every file is read (as with {@code --force}); unreadable entries are
 * counted and named, as the backup would warn about them.
 */
public final class BackupPreview {

    /**
     * What a backup would store.
     *
     * @param files       regular files
     * @param directories directories
     * @param others      symlinks, devices, sockets, fifos
     * @param bytes       bytes of the regular files
     * @param newChunks   chunks the repository does not hold yet (each counted once)
     * @param newBytes    their plaintext bytes, before compression and encryption
     * @param unreadable  entries that could not be read, one line each
     */
    public record Result(long files, long directories, long others, long bytes, long newChunks, long newBytes,
                         List<String> unreadable) {
    }

    private final Repository repo;
    private final Predicate<Path> skip;
    private final byte[] buffer;
    private final Set<BlobId> seen = new HashSet<>();
    private long files;
    private long directories;
    private long others;
    private long bytes;
    private long newChunks;
    private long newBytes;
    private final List<String> unreadable = new ArrayList<>();

    /**
     * @param skip entries to leave out, as {@link Archiver.Options#excluded()} and the layout's skip test
     */
    public BackupPreview(Repository repo, Predicate<Path> skip) {
        this.repo = repo;
        this.skip = skip;
        this.buffer = new byte[ChunkStream.bufferSize(repo.chunker())];
    }

    public Result preview(List<Path> paths) {
        for (Path path : paths) {
            Path absolute = path.toAbsolutePath().normalize();
            if (!Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
                throw new dr.summit.repository.RepositoryException("backup path " + absolute + " does not exist");
            }
            visit(absolute);
        }
        return new Result(files, directories, others, bytes, newChunks, newBytes, List.copyOf(unreadable));
    }

    private void visit(Path path) {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            directories++;
            List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
                for (Path entry : entries) {
                    if (!skip.test(entry)) {
                        children.add(entry);
                    }
                }
            } catch (IOException e) {
                unreadable.add(path + ": cannot list directory: " + e.getMessage());
            }
            children.sort(null);
            children.forEach(this::visit);
        } else if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            files++;
            read(path);
        } else {
            others++;
        }
    }

    private void read(Path file) {
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            ChunkStream chunks = new ChunkStream(in, repo.chunker(), buffer);
            while (chunks.next()) {
                bytes += chunks.length();
                BlobId id = repo.hasher().id(BlobType.DATA, chunks.buffer(), chunks.offset(), chunks.length());
                if (!repo.index().contains(id) && seen.add(id)) {
                    newChunks++;
                    newBytes += chunks.length();
                }
            }
        } catch (IOException e) {
            unreadable.add(file + ": " + e.getMessage());
        }
    }
}
