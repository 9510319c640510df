/**
 * Edge code that talks to the local file system: raw file-name bytes, metadata (mode, owner,
 * times with nanoseconds, xattrs) read into tree nodes and applied back on restore.
 */
package dr.summit.files.fs;
