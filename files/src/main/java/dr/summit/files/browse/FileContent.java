package dr.summit.files.browse;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.tree.ChunkRef;
import dr.summit.repository.tree.Node;

import java.io.IOException;
import java.io.OutputStream;

/** Writes a file's content from the repository, chunk by chunk: memory is one chunk, not the file. */
public final class FileContent {
    private final Repository repo;

    public FileContent(Repository repo) {
        this.repo = repo;
    }

    /** Writes {@code file}'s bytes to {@code out}; returns how many, which always equals the node's size. */
    public long copy(Node file, OutputStream out) throws IOException {
        long written = 0;
        for (ChunkRef chunk : repo.fileChunks(file)) {
            byte[] data = repo.loadBlob(BlobType.DATA, chunk.id());
            if (data.length != chunk.length()) {
                throw new CorruptObjectException("chunk " + chunk.id().shortHex() + " of '" + file.displayName() + "' has "
                        + data.length + " bytes, its reference says " + chunk.length());
            }
            out.write(data);
            written += data.length;
        }
        if (written != file.size()) {
            throw new CorruptObjectException("'" + file.displayName() + "' restored " + written + " bytes, the snapshot recorded " + file.size());
        }
        return written;
    }
}
