/**
 * Byte-level building blocks shared by every object codec: bounds-checked readers and growable
 * writers of big-endian fields. Codecs use them so that malformed input fails with a clear message.
 */
package dr.summit.repository.format;
