package dr.summit.repository;

import dr.summit.repository.blob.BlobHasher;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.blob.Compression;
import dr.summit.repository.blob.PayloadCodec;
import dr.summit.repository.chunker.ChunkStream;
import dr.summit.repository.chunker.Chunker;
import dr.summit.repository.chunker.ChunkerParams;
import dr.summit.repository.chunker.GearTable;
import dr.summit.repository.crypto.AesGcm;
import dr.summit.repository.crypto.Argon2Params;
import dr.summit.repository.crypto.KeySlot;
import dr.summit.repository.crypto.PassphraseKdf;
import dr.summit.repository.crypto.SealedObject;
import dr.summit.repository.format.ByteWriter;
import dr.summit.repository.index.IndexEntry;
import dr.summit.repository.index.IndexFileCodec;
import dr.summit.repository.pack.PackEntry;
import dr.summit.repository.pack.PackFormat;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.snapshot.SnapshotCodec;
import dr.summit.repository.tree.ChunkRef;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;
import dr.summit.repository.tree.TreeCodec;
import dr.summit.repository.tree.Xattr;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the repository format v1 test vector (docs/repository-format.md, "Test vector") from fixed
 * keys, names and contents: a complete one-snapshot repository — key slot, keyring, config, one
 * pack with three blobs, its index and a snapshot — plus the expected gear-table values and chunk
 * cut points. Everything is deterministic: running it twice gives the same bytes, which are
 * checked in under {@code src/test/resources/format-v1/} and compared by {@link FormatV1TestVectorTest}.
 *
 * <p>The production encoders are used wherever they can take fixed inputs (payload, tree, index,
 * config, key slot, snapshot, sealed objects), so a change to any of them changes the vector.
 * Two writers cannot take fixed inputs and are replaced here by a transcription of the spec:
 * {@code PackBuilder} draws a random pack id and {@code Keyring} generates random keys.
 */
public final class FormatV1TestVector {
    public static final int EPOCH = 1;
    public static final Instant CREATED = Instant.parse("2024-01-01T00:00:00Z");

    public static final byte[] ID_KEY = repeat(0x01, 32);
    public static final byte[] CHUNKER_KEY = repeat(0x02, 32);
    public static final byte[] DATA_KEY = repeat(0x03, 32);
    public static final byte[] CONFIG_MAC_KEY = repeat(0x04, 32);
    public static final byte[] KEYRING_KEY = repeat(0x05, 32);
    public static final byte[] SLOT_SALT = repeat(0x06, 16);
    public static final char[] PASSPHRASE = "summit-dr format v1 test vector".toCharArray();
    public static final Argon2Params SLOT_KDF = new Argon2Params(64, 1, 1);
    public static final String SLOT_ID = "0123456789abcdef";
    /** The passphrase slot's own age identity (fixed here; random in real slots). */
    public static final String SLOT_IDENTITY = "AGE-SECRET-KEY-1W9US94D2GK6ZFNPZJ7F38NANN5D3DQULUA9LFADMYR328424D7VQ5YQ0Y8";
    public static final String SLOT_RECIPIENT = "age1hjc46zt8j2spj99d22zuakeeg82vqpy3h8st2kzg2nqyef59xsysu7yjdu";
    public static final long GENERATION = 1;

    /** Pack id bytes 0x00, 0x01, …, 0x1f. */
    public static final byte[] PACK_ID = sequence(0x00, 32);
    public static final String REPOSITORY_ID = HexFormat.of().formatHex(sequence(0x80, 32));

    public static final String SLOT_NAME = KeySlot.objectName(SLOT_ID);
    public static final String KEYRING_NAME = "keys/keyring/" + HexFormat.of().toHexDigits(GENERATION) + "-" + HexFormat.of().formatHex(sequence(0x40, 8));
    public static final String WRAP_NAME = "keys/wraps/" + KEYRING_NAME.substring("keys/keyring/".length()) + "/" + SLOT_ID;
    public static final String CONFIG_NAME = RepositoryConfig.OBJECT_NAME;
    public static final String PACK_NAME = PackFormat.objectName(PACK_ID);
    public static final String INDEX_NAME = "index/" + HexFormat.of().formatHex(sequence(0x20, 32));
    public static final String SNAPSHOT_ID = HexFormat.of().formatHex(sequence(0x60, 32));
    public static final String SNAPSHOT_NAME = "snapshots/" + SNAPSHOT_ID;

    /** Chunker settings of the vector's config (the repository defaults). */
    public static final ChunkerParams CONFIG_CHUNKER = ChunkerParams.DEFAULT;
    public static final int PACK_SIZE = 16 * 1024 * 1024;
    public static final int ZSTD_LEVEL = 3;

    /** Small chunker settings for the cut-point vector, so 1 MiB of input gives several chunks. */
    public static final ChunkerParams CUT_CHUNKER = new ChunkerParams(64 * 1024, 128 * 1024, 256 * 1024);
    public static final int CUT_INPUT_BYTES = 1024 * 1024;

    public static final byte[] HELLO = "hello summit".getBytes(StandardCharsets.US_ASCII);
    public static final byte[] TEXT = "summit dr keeps every byte; ".repeat(10).getBytes(StandardCharsets.US_ASCII);
    public static final String FILE_NAME = "greeting.txt";

    /** Resource files of the vector, in the order the docs list them. */
    public static final List<String> FILES = List.of("keys.txt", "slot.json", "wrap.hex", "keyring.hex", "config.hex", "pack.hex",
            "index.hex", "snapshot.hex");

    /** Store object name → resource file holding its bytes (keys.txt is not an object). */
    public static final Map<String, String> OBJECTS = objects();

    private static final PayloadCodec PAYLOADS = new PayloadCodec(Compression.ZSTD, ZSTD_LEVEL);
    private static final BlobHasher HASHER = new BlobHasher(ID_KEY);

    private FormatV1TestVector() {
    }

    /** One blob of the pack: what it holds and its plaintext. */
    public record Blob(String label, BlobType type, byte[] plain) {
        public BlobId id() {
            return HASHER.id(type, plain);
        }
    }

    /** The three blobs in pack order: "hello summit" (stored raw), a compressible text (zstd), the root tree. */
    public static List<Blob> blobs() {
        return List.of(new Blob("hello", BlobType.DATA, HELLO), new Blob("text", BlobType.DATA, TEXT),
                new Blob("tree", BlobType.TREE, TreeCodec.encode(List.of(fileNode()))));
    }

    /** The root tree's only entry: a file whose content is the two data blobs. */
    public static Node fileNode() {
        List<ChunkRef> content = List.of(new ChunkRef(HASHER.id(BlobType.DATA, HELLO), HELLO.length), new ChunkRef(HASHER.id(BlobType.DATA, TEXT), TEXT.length));
        return new Node(NodeType.FILE, FILE_NAME.getBytes(StandardCharsets.UTF_8), 0644, 1000, 1000, "summit", "summit",
                1_704_067_200L, 123_456_789, 1_704_067_201L, 987_654_321, 42L, 2049L, 1, HELLO.length + TEXT.length, 0L,
                null, List.of(new Xattr("user.comment", "vector".getBytes(StandardCharsets.UTF_8))), 0, content, List.of());
    }

    /** The bytes of every vector file, keyed by file name, in {@link #FILES} order. */
    public static Map<String, byte[]> files() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        Pack pack = pack();
        files.put("keys.txt", keysText(pack).getBytes(StandardCharsets.UTF_8));
        files.put("slot.json", slotJson());
        files.put("wrap.hex", hexText(wrapObject()));
        files.put("keyring.hex", hexText(keyringObject()));
        files.put("config.hex", hexText(configObject()));
        files.put("pack.hex", hexText(pack.bytes()));
        files.put("index.hex", hexText(indexObject(pack)));
        files.put("snapshot.hex", hexText(snapshotObject()));
        return files;
    }

    // ---- key slot and keyring ---------------------------------------------------------------

    /** The passphrase slot: its age identity sealed under Argon2id(passphrase, salt), as KeySlot writes it. */
    public static byte[] slotJson() {
        byte[] kek = PassphraseKdf.derive(PASSPHRASE, SLOT_SALT, SLOT_KDF);
        byte[] aad = ("summit-dr slot v2 " + SLOT_ID).getBytes(StandardCharsets.US_ASCII);
        byte[] sealed = AesGcm.seal(kek, AesGcm.nonce(0), aad, SLOT_IDENTITY.getBytes(StandardCharsets.US_ASCII));
        KeySlot.Kdf kdf = new KeySlot.Kdf("argon2id", SLOT_KDF.memoryKiB(), SLOT_KDF.iterations(), SLOT_KDF.parallelism(),
                Base64.getEncoder().encodeToString(SLOT_SALT));
        return new KeySlot(2, SLOT_ID, KeySlot.PASSPHRASE, CREATED, "vector", SLOT_RECIPIENT, null, null, kdf,
                Base64.getEncoder().encodeToString(sealed)).toJson();
    }

    /**
     * The keyring key encrypted to the slot's recipient: an age file. age draws an ephemeral key
     * for every file, so this one object cannot be regenerated byte for byte; the generator keeps
     * the checked-in copy (the test decrypts it) and only makes a new one when there is none.
     */
    public static byte[] wrapObject() {
        try (java.io.InputStream in = FormatV1TestVector.class.getResourceAsStream("/format-v1/wrap.hex")) {
            if (in != null) {
                return parseHexText(in.readAllBytes());
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return KeySlot.fromJson(slotJson(), SLOT_NAME).wrap(KEYRING_KEY);
    }

    /** Keyring plaintext, transcribed from the spec ("SDRK" 02 generation keys rotationDays current epochs destroyed). */
    public static byte[] keyringPlain() {
        return new ByteWriter(200).bytes(new byte[]{'S', 'D', 'R', 'K'}).u8(2).i64(GENERATION)
                .bytes(ID_KEY).bytes(CHUNKER_KEY).bytes(CONFIG_MAC_KEY)
                .u16(90).u32(EPOCH).u32(1)
                .u32(EPOCH).i64(CREATED.getEpochSecond()).bytes(DATA_KEY)
                .u32(0)
                .toByteArray();
    }

    public static byte[] keyringObject() {
        return SealedObject.seal(KEYRING_KEY, 0, SealedObject.Kind.KEYRING, KEYRING_NAME, keyringPlain());
    }

    public static RepositoryConfig config() {
        return new RepositoryConfig(REPOSITORY_ID, CREATED, CONFIG_CHUNKER.minSize(), CONFIG_CHUNKER.avgSize(),
                CONFIG_CHUNKER.maxSize(), PACK_SIZE, "zstd", ZSTD_LEVEL);
    }

    public static byte[] configObject() {
        return config().encode(CONFIG_MAC_KEY);
    }

    // ---- pack ---------------------------------------------------------------------------------

    /** The pack's bytes, its entries in offset order, and where its trailer starts. */
    public record Pack(byte[] bytes, List<PackEntry> entries, int trailerOffset, byte[] trailerPlain) {
    }

    /**
     * Lays out the pack as the spec says (PackBuilder would pick a random pack id): each blob's
     * payload sealed at its offset, then the sealed trailer, then the plaintext footer.
     */
    public static Pack pack() {
        byte[] packKey = PackFormat.packKey(DATA_KEY, PACK_ID);
        ByteWriter out = new ByteWriter(2048);
        List<PackEntry> entries = new ArrayList<>();
        for (Blob b : blobs()) {
            byte[] payload = PAYLOADS.encode(b.plain(), 0, b.plain().length);
            int offset = out.size();
            byte[] ciphertext = AesGcm.seal(packKey, PackFormat.nonceFor(offset), PackFormat.blobAad(b.type(), b.id()), payload);
            out.bytes(ciphertext);
            entries.add(new PackEntry(b.type(), b.id(), offset, ciphertext.length));
        }
        ByteWriter trailer = new ByteWriter(4 + entries.size() * PackFormat.TRAILER_ENTRY_BYTES).u32(entries.size());
        for (PackEntry e : entries) {
            trailer.u8(e.type().code()).bytes(e.id().bytes()).u32(e.offset()).u32(e.length());
        }
        byte[] trailerPlain = trailer.toByteArray();
        int trailerOffset = out.size();
        byte[] trailerAad = new ByteWriter(37).bytes(new byte[]{'S', 'D', 'R', 'T'}).u8(1).bytes(PACK_ID).toByteArray();
        byte[] sealedTrailer = AesGcm.seal(packKey, PackFormat.nonceFor(trailerOffset), trailerAad, trailerPlain);
        out.bytes(sealedTrailer);
        out.bytes(new byte[]{'S', 'D', 'R', 'P'}).u8(1).u8(0).u8(0).u8(0).u32(EPOCH).u32(sealedTrailer.length);
        return new Pack(out.toByteArray(), List.copyOf(entries), trailerOffset, trailerPlain);
    }

    // ---- index and snapshot ------------------------------------------------------------------

    public static List<IndexEntry> indexEntries(Pack pack) {
        List<IndexEntry> entries = new ArrayList<>();
        for (PackEntry e : pack.entries()) {
            entries.add(new IndexEntry(e.id(), e.type(), PACK_ID, EPOCH, e.offset(), e.length()));
        }
        return entries;
    }

    /** The index file as Repository.writeIndexFile seals it: framed payload in a sealed INDEX object. */
    public static byte[] indexObject(Pack pack) {
        byte[] plain = IndexFileCodec.encode(indexEntries(pack));
        return SealedObject.seal(DATA_KEY, EPOCH, SealedObject.Kind.INDEX, INDEX_NAME, PAYLOADS.encode(plain, 0, plain.length));
    }

    public static Snapshot snapshot() {
        BlobId tree = blobs().get(2).id();
        Snapshot.Summary summary = new Snapshot.Summary(1, 0, 0, HELLO.length + TEXT.length, 1, 0, 0,
                HELLO.length + TEXT.length, 3, 0, 0, 0, 0, 1500);
        return new Snapshot(null, Snapshot.VERSION, "files", Instant.parse("2024-01-01T12:00:00Z"), "vector-host", "summit",
                List.of("/srv/vector/" + FILE_NAME), List.of("format-v1"), tree.hex(), null, "summit-dr format vector", summary);
    }

    public static byte[] snapshotObject() {
        byte[] json = SnapshotCodec.encode(snapshot());
        return SealedObject.seal(DATA_KEY, EPOCH, SealedObject.Kind.SNAPSHOT, SNAPSHOT_NAME, PAYLOADS.encode(json, 0, json.length));
    }

    // ---- chunking -----------------------------------------------------------------------------

    /** The chunker input: SHA-256(BE32(0)) || SHA-256(BE32(1)) || … , {@value #CUT_INPUT_BYTES} bytes. */
    public static byte[] cutInput() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] out = new byte[CUT_INPUT_BYTES];
            for (int i = 0; i < CUT_INPUT_BYTES / 32; i++) {
                byte[] counter = {(byte) (i >>> 24), (byte) (i >>> 16), (byte) (i >>> 8), (byte) i};
                System.arraycopy(sha.digest(counter), 0, out, 32 * i, 32);
            }
            return out;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Chunk lengths the chunker cuts {@link #cutInput()} into under {@link #CUT_CHUNKER} and the chunker key. */
    public static List<Integer> cutLengths() {
        Chunker chunker = new Chunker(CUT_CHUNKER, GearTable.derive(CHUNKER_KEY));
        List<Integer> lengths = new ArrayList<>();
        try {
            ChunkStream stream = new ChunkStream(new ByteArrayInputStream(cutInput()), chunker);
            while (stream.next()) {
                lengths.add(stream.length());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lengths;
    }

    // ---- keys.txt -----------------------------------------------------------------------------

    private static String keysText(Pack pack) {
        HexFormat hex = HexFormat.of();
        GearTable gear = GearTable.derive(CHUNKER_KEY);
        StringBuilder s = new StringBuilder();
        s.append("# Summit DR repository format v1 - test vector (docs/repository-format.md, \"Test vector\").\n");
        s.append("# Generated by dr.summit.repository.FormatV1TestVector; checked by FormatV1TestVectorTest.\n");
        s.append("# Byte strings are hex; N x BB means N bytes of value BB.\n\n");
        s.append("[inputs]\n");
        line(s, "passphrase", new String(PASSPHRASE));
        line(s, "slot id", SLOT_ID);
        line(s, "slot salt", "16 x 06");
        line(s, "slot identity", SLOT_IDENTITY);
        line(s, "slot argon2id", "memoryKiB=" + SLOT_KDF.memoryKiB() + " iterations=" + SLOT_KDF.iterations()
                + " parallelism=" + SLOT_KDF.parallelism() + " (version 0x13, 32-byte output)");
        line(s, "keyring key", "32 x 05");
        line(s, "id key", "32 x 01");
        line(s, "chunker key", "32 x 02");
        line(s, "config MAC key", "32 x 04");
        line(s, "data key, epoch 1", "32 x 03");
        line(s, "created", CREATED.toString());
        line(s, "repository id", REPOSITORY_ID);
        line(s, "pack id", hex.formatHex(PACK_ID));
        line(s, "compression", "zstd level " + ZSTD_LEVEL);
        line(s, "blob hello (data)", "\"" + new String(HELLO, StandardCharsets.US_ASCII) + "\"");
        line(s, "blob text (data)", "\"summit dr keeps every byte; \" x 10");
        line(s, "blob tree (tree)", "one file node '" + FILE_NAME + "' = hello || text (see FormatV1TestVector.fileNode)");
        s.append("\n[objects]\n");
        OBJECTS.forEach((name, file) -> line(s, file, name));
        s.append("\n[derived]\n");
        line(s, "pack key", hex.formatHex(PackFormat.packKey(DATA_KEY, PACK_ID)));
        for (int i = 0; i < pack.entries().size(); i++) {
            PackEntry e = pack.entries().get(i);
            Blob b = blobs().get(i);
            line(s, "blob " + b.label() + " id", e.id().hex());
            line(s, "blob " + b.label() + " at", "offset " + e.offset() + ", length " + e.length() + " (payload "
                    + (e.length() - AesGcm.TAG_BYTES) + " bytes, compression " + compressionOf(b) + ")");
        }
        line(s, "trailer at", "offset " + pack.trailerOffset() + ", length "
                + (pack.trailerPlain().length + AesGcm.TAG_BYTES));
        line(s, "pack size", pack.bytes().length + " bytes");
        line(s, "pack sha-256", sha256Hex(pack.bytes()));
        line(s, "gear[0]", String.format("%016x", gear.value(0)));
        line(s, "gear[1]", String.format("%016x", gear.value(1)));
        line(s, "gear[255]", String.format("%016x", gear.value(255)));
        s.append("\n[chunking]\n");
        line(s, "params", "min=" + CUT_CHUNKER.minSize() + " avg=" + CUT_CHUNKER.avgSize() + " max=" + CUT_CHUNKER.maxSize());
        line(s, "input", CUT_INPUT_BYTES + " bytes: SHA-256(BE32(0)) || SHA-256(BE32(1)) || ...");
        line(s, "cut lengths", cutLengths().toString().replaceAll("[\\[\\] ]", ""));
        return s.toString();
    }

    private static String compressionOf(Blob b) {
        byte[] payload = PAYLOADS.encode(b.plain(), 0, b.plain().length);
        return Compression.ofCode(payload[0], b.label()).label();
    }

    private static void line(StringBuilder s, String key, String value) {
        s.append(String.format("%-22s %s", key, value)).append('\n');
    }

    private static Map<String, String> objects() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(SLOT_NAME, "slot.json");
        m.put(WRAP_NAME, "wrap.hex");
        m.put(KEYRING_NAME, "keyring.hex");
        m.put(CONFIG_NAME, "config.hex");
        m.put(PACK_NAME, "pack.hex");
        m.put(INDEX_NAME, "index.hex");
        m.put(SNAPSHOT_NAME, "snapshot.hex");
        return java.util.Collections.unmodifiableMap(m);
    }

    // ---- hex text -----------------------------------------------------------------------------

    /** Lower-case hex, 32 bytes per line, each line ending in a newline. */
    public static byte[] hexText(byte[] bytes) {
        StringBuilder s = new StringBuilder(bytes.length * 2 + bytes.length / 32 + 1);
        for (int from = 0; from < bytes.length; from += 32) {
            s.append(HexFormat.of().formatHex(bytes, from, Math.min(bytes.length, from + 32))).append('\n');
        }
        return s.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Inverse of {@link #hexText}; whitespace is ignored. */
    public static byte[] parseHexText(byte[] text) {
        return HexFormat.of().parseHex(new String(text, StandardCharsets.US_ASCII).replaceAll("\\s+", ""));
    }

    /** The store bytes of a vector file: hex files decoded, the JSON slot as is. */
    public static byte[] objectBytes(String file, byte[] fileContent) {
        return file.endsWith(".hex") ? parseHexText(fileContent) : fileContent;
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] repeat(int value, int length) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private static byte[] sequence(int first, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (first + i);
        }
        return b;
    }
}
