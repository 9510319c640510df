/**
 * Blobs: the unit of deduplication. Ids are keyed hashes of the plaintext; payloads are
 * compressed per blob. Packs (dr.summit.repository.pack) store them encrypted.
 */
package dr.summit.repository.blob;
