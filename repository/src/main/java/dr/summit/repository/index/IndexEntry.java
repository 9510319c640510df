package dr.summit.repository.index;

import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;

/** One index record as a value, for encoding index files and for iteration. */
public record IndexEntry(BlobId id, BlobType type, byte[] packId, int epoch, int offset, int length) {
}
