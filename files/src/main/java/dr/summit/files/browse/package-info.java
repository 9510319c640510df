/**
 * Reading snapshots as trees of paths: walking, listing (ls) and comparing two snapshots (diff).
 */
package dr.summit.files.browse;
