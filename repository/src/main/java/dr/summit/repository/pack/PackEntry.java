package dr.summit.repository.pack;

import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;

/** Where one blob sits in a pack: {@code length} bytes of ciphertext (with tag) at {@code offset}. */
public record PackEntry(BlobType type, BlobId id, int offset, int length) {
}
