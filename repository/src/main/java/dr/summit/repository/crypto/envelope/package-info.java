/**
 * Standalone file encryption in the two formats other tools read: age v1 (X25519 recipients and
 * scrypt passphrases, jagged underneath) and OpenPGP (public keys and passphrases, Bouncy Castle
 * underneath), streaming in both directions, plus key generation for both. Used by {@code summit-dr crypt}.
 */
package dr.summit.repository.crypto.envelope;
