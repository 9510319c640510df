package dr.summit.repository.tree;

import dr.summit.repository.blob.BlobId;

/** One chunk of a file's content: the data blob and its plaintext length. */
public record ChunkRef(BlobId id, int length) {
}
