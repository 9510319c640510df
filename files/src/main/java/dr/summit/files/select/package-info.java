/**
 * Choosing which paths a backup reads and a restore writes: restic-style patterns ({@link PathPatterns})
 * and the backup's exclusion rules ({@link BackupSelection}). Patterns are pure; only the selection stats files.
 */
package dr.summit.files.select;
