/**
 * The backup side of the files source: walks directory trees, skips files unchanged since the
 * parent snapshot, chunks and stores the rest in a parallel pipeline, and writes trees bottom-up.
 */
package dr.summit.files.backup;
