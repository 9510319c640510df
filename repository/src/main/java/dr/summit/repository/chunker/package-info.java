/**
 * Content-defined chunking: splits file data into variable-size chunks whose boundaries follow the content,
 * so an insert or delete changes only the chunks around it and everything else deduplicates.
 */
package dr.summit.repository.chunker;
