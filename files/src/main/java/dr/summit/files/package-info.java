/**
 * Directory trees as snapshots: the files source (walk, read, back up) and target (restore),
 * plus browsing (ls, diff). Built on dr.summit.repository.
 */
package dr.summit.files;
