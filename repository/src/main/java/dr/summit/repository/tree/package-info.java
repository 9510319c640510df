/**
 * Trees: one binary object per directory (split in parts when huge) listing its entries with
 * their metadata and content; the snapshot names the root tree (docs/repository-format.md, "Tree").
 */
package dr.summit.repository.tree;
