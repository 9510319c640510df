/**
 * The restore side of the files source: plans reads by pack, reads packs in parallel, writes
 * verified chunks at their file offsets into temporary files, and renames each file when complete.
 */
package dr.summit.files.restore;
