/**
 * The blob index: which pack holds each blob. Index files are sorted binary objects; in memory
 * they become a few sorted byte arrays (no object per entry) searched by binary search.
 */
package dr.summit.repository.index;
