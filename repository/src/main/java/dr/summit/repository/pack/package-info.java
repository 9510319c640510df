/**
 * Pack files: many encrypted blobs in one object, with an encrypted trailer at the end that lists
 * them, so a pack can be re-indexed from itself (docs/repository-format.md, "Pack").
 */
package dr.summit.repository.pack;
