/**
 * Cryptography of the repository: AES-256-GCM sealing, key derivation, the keyring of
 * data-key epochs and the key slots that wrap it. Formats are specified in docs/repository-format.md.
 */
package dr.summit.repository.crypto;
