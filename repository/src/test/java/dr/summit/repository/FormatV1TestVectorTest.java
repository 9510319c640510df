package dr.summit.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dr.summit.repository.FormatV1TestVector.Blob;
import dr.summit.repository.blob.BlobHasher;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.blob.Compression;
import dr.summit.repository.blob.PayloadCodec;
import dr.summit.repository.chunker.GearTable;
import dr.summit.repository.crypto.AesGcm;
import dr.summit.repository.crypto.KeySlot;
import dr.summit.repository.crypto.Keyring;
import dr.summit.repository.crypto.SealedObject;
import dr.summit.repository.index.IndexFileCodec;
import dr.summit.repository.maintenance.Verifier;
import dr.summit.repository.pack.PackBuilder;
import dr.summit.repository.pack.PackEntry;
import dr.summit.repository.pack.PackFormat;
import dr.summit.repository.pack.PackReader;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.snapshot.SnapshotCodec;
import dr.summit.repository.store.LocalDirectoryStore;
import dr.summit.repository.tree.ChunkRef;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;
import dr.summit.repository.tree.TreeCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository format v1 test vector (docs/repository-format.md, "Test vector"), checked in under
 * {@code src/test/resources/format-v1/}.
 *
 * <p>Two guards keep the format honest. The checked-in bytes must decode with today's readers
 * (a reader change breaks old repositories), and regenerating the vector with today's writers
 * must give exactly the checked-in bytes (a writer change makes repositories old readers cannot
 * read). So any change to the byte layout without a format version bump fails this test. A real
 * format change bumps the version (RepositoryConfig.FORMAT_VERSION and the object's own version
 * byte), updates docs/repository-format.md, and checks in a new vector directory next to this one;
 * the v1 vector stays as long as v1 repositories must be readable. The regenerated files are always
 * written to {@code target/format-v1-generated/} for inspection.
 *
 * <p>One legitimate cause of a regeneration mismatch without a format change: a zstd library
 * upgrade that compresses the same input to different (equally valid) bytes. The decode tests
 * still pass then; say so in the commit that regenerates the vector.
 */
class FormatV1TestVectorTest {

    private static final String DIR = "/format-v1/";

    private static byte[] resource(String file) {
        try (InputStream in = FormatV1TestVectorTest.class.getResourceAsStream(DIR + file)) {
            if (in == null) {
                throw new AssertionError("test vector file " + DIR + file + " is missing; generated copies are in "
                        + generatedDir().toAbsolutePath() + " after regeneratingTheVectorGivesTheCheckedInBytes runs");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new AssertionError("cannot read " + DIR + file, e);
        }
    }

    /** A vector object's store bytes, from the checked-in file. */
    private static byte[] object(String file) {
        return FormatV1TestVector.objectBytes(file, resource(file));
    }

    /** "key  value" lines of the checked-in keys.txt (key = first 22 columns). */
    private static Map<String, String> keysTxt() {
        Map<String, String> values = new HashMap<>();
        for (String line : new String(resource("keys.txt"), StandardCharsets.UTF_8).split("\n")) {
            if (line.length() > 23 && !line.startsWith("#") && !line.startsWith("[")) {
                values.put(line.substring(0, 22).trim(), line.substring(23));
            }
        }
        return values;
    }

    private static Path generatedDir() {
        return Path.of("target", "format-v1-generated");
    }

    // ---- (a) the checked-in bytes decode with the production readers ----------------------------

    @Test
    void checkedInPackListsItsBlobsAndEachDecodesToItsPlaintextAndId() {
        byte[] pack = object("pack.hex");
        List<PackEntry> entries = PackReader.list(pack, FormatV1TestVector.PACK_ID, epoch -> {
            assertThat(epoch).isEqualTo(1);
            return FormatV1TestVector.DATA_KEY;
        });

        BlobHasher hasher = new BlobHasher(FormatV1TestVector.ID_KEY);
        Node expectedNode = FormatV1TestVector.fileNode();
        byte[][] plaintexts = {FormatV1TestVector.HELLO, FormatV1TestVector.TEXT, null};
        BlobType[] types = {BlobType.DATA, BlobType.DATA, BlobType.TREE};
        int[] compressions = {Compression.NONE.code(), Compression.ZSTD.code(), -1};
        assertThat(entries).hasSize(3);
        assertThat(entries.get(0).offset()).isZero();

        byte[] packKey = PackFormat.packKey(FormatV1TestVector.DATA_KEY, FormatV1TestVector.PACK_ID);
        PayloadCodec payloads = new PayloadCodec(Compression.ZSTD, 3);
        Map<String, String> keys = keysTxt();
        String[] labels = {"hello", "text", "tree"};
        for (int i = 0; i < 3; i++) {
            PackEntry e = entries.get(i);
            byte[] payload = PackReader.openBlob(packKey, FormatV1TestVector.PACK_ID, e, pack, e.offset());
            byte[] plain = payloads.decode(payload, "vector blob " + i);

            assertThat(e.type()).isEqualTo(types[i]);
            assertThat(hasher.id(e.type(), plain)).as("blob id is the HMAC of the plaintext").isEqualTo(e.id());
            assertThat(e.id().hex()).isEqualTo(keys.get("blob " + labels[i] + " id"));
            if (plaintexts[i] != null) {
                assertThat(plain).isEqualTo(plaintexts[i]);
                assertThat(payload[0] & 0xFF).isEqualTo(compressions[i]);
            } else {
                assertThat(TreeCodec.decode(plain, "vector tree")).singleElement().satisfies(n -> {
                    assertThat(n.type()).isEqualTo(NodeType.FILE);
                    assertThat(n.displayName()).isEqualTo("greeting.txt");
                    assertThat(n.size()).isEqualTo(FormatV1TestVector.HELLO.length + FormatV1TestVector.TEXT.length);
                    assertThat(n.content()).containsExactly(
                            new ChunkRef(hasher.id(BlobType.DATA, FormatV1TestVector.HELLO), FormatV1TestVector.HELLO.length),
                            new ChunkRef(hasher.id(BlobType.DATA, FormatV1TestVector.TEXT), FormatV1TestVector.TEXT.length));
                    assertThat(n.mode()).isEqualTo(0644);
                    assertThat(n.user()).isEqualTo("summit");
                    assertThat(n.mtimeSeconds()).isEqualTo(expectedNode.mtimeSeconds());
                    assertThat(n.mtimeNanos()).isEqualTo(123_456_789);
                    assertThat(n.xattrs()).singleElement().satisfies(x -> {
                        assertThat(x.name()).isEqualTo("user.comment");
                        assertThat(x.value()).isEqualTo("vector".getBytes(StandardCharsets.UTF_8));
                    });
                });
            }
        }
    }

    @Test
    void checkedInIndexIsASealedIndexObjectListingEveryBlobOfThePack() {
        byte[] sealed = object("index.hex");
        String name = FormatV1TestVector.INDEX_NAME;
        assertThat(SealedObject.header(sealed, name)).isEqualTo(new SealedObject.Header(SealedObject.Kind.INDEX, 1));

        byte[] payload = SealedObject.open(FormatV1TestVector.DATA_KEY, SealedObject.Kind.INDEX, name, sealed);
        IndexFileCodec.Decoded index = IndexFileCodec.decode(new PayloadCodec(Compression.ZSTD, 3).decode(payload, name), name);

        assertThat(index.packIds()).singleElement().isEqualTo(FormatV1TestVector.PACK_ID);
        assertThat(index.epochs()).containsExactly(1);
        assertThat(index.count()).isEqualTo(3);
        List<PackEntry> fromPack = PackReader.list(object("pack.hex"), FormatV1TestVector.PACK_ID, e -> FormatV1TestVector.DATA_KEY);
        List<PackEntry> fromIndex = new ArrayList<>();
        ByteBuffer records = ByteBuffer.wrap(index.records());
        for (int i = 0; i < index.count(); i++) {
            byte[] id = new byte[32];
            records.get(id);
            BlobType type = BlobType.ofCode(records.get(), "index");
            assertThat(records.getInt()).as("pack ordinal").isZero();
            fromIndex.add(new PackEntry(type, BlobId.of(id), records.getInt(), records.getInt()));
        }
        assertThat(fromIndex).isSortedAccordingTo((a, b) -> a.id().compareTo(b.id()));
        assertThat(fromIndex).containsExactlyInAnyOrderElementsOf(fromPack);
    }

    @Test
    void checkedInSlotOpensWithThePassphraseAndUnwrapsTheKeyringKey() {
        KeySlot slot = KeySlot.fromJson(object("slot.json"), FormatV1TestVector.SLOT_NAME);

        assertThat(slot.id()).isEqualTo(FormatV1TestVector.SLOT_ID);
        assertThat(slot.kdf().algorithm()).isEqualTo("argon2id");
        assertThat(slot.openIdentity(FormatV1TestVector.PASSPHRASE.clone()).recipients())
                .containsExactly(FormatV1TestVector.SLOT_RECIPIENT);
        assertThat(slot.openIdentity("wrong".toCharArray())).isNull();
        byte[] wrap = object("wrap.hex");
        try (dr.summit.repository.crypto.Credentials right = dr.summit.repository.crypto.Credentials.passphrase(FormatV1TestVector.PASSPHRASE);
             dr.summit.repository.crypto.Credentials wrong = dr.summit.repository.crypto.Credentials.passphrase("wrong".toCharArray())) {
            assertThat(right.unwrap(slot, wrap)).isEqualTo(FormatV1TestVector.KEYRING_KEY);
            assertThat(wrong.unwrap(slot, wrap)).isNull();
        }
    }

    @Test
    void checkedInKeyringHoldsTheFixedKeysAndReEncodesToTheSameBytes() {
        byte[] plain = SealedObject.open(FormatV1TestVector.KEYRING_KEY, SealedObject.Kind.KEYRING,
                FormatV1TestVector.KEYRING_NAME, object("keyring.hex"));
        try (Keyring keyring = Keyring.decode(plain, "vector keyring")) {
            assertThat(keyring.idKey()).isEqualTo(FormatV1TestVector.ID_KEY);
            assertThat(keyring.chunkerKey()).isEqualTo(FormatV1TestVector.CHUNKER_KEY);
            assertThat(keyring.configMacKey()).isEqualTo(FormatV1TestVector.CONFIG_MAC_KEY);
            assertThat(keyring.currentEpoch()).isEqualTo(1);
            assertThat(keyring.generation()).isEqualTo(FormatV1TestVector.GENERATION);
            assertThat(keyring.rotationDays()).isEqualTo(90);
            assertThat(keyring.dataKey(1)).isEqualTo(FormatV1TestVector.DATA_KEY);
            assertThat(keyring.epochs().get(1).created()).isEqualTo(FormatV1TestVector.CREATED);
            // The generator transcribes the keyring layout from the spec; the production encoder must agree.
            assertThat(keyring.encode()).isEqualTo(plain);
        }
    }

    @Test
    void checkedInConfigParsesBeforeUnlockAndItsMacVerifiesWithTheConfigKey() {
        byte[] bytes = object("config.hex");
        assertThat(Arrays.copyOf(bytes, 5)).containsExactly('S', 'D', 'R', 'C', 1);

        assertThat(RepositoryConfig.decode(bytes, "vector")).isEqualTo(FormatV1TestVector.config());
        RepositoryConfig.verifyMac(bytes, FormatV1TestVector.CONFIG_MAC_KEY, "vector");
        assertThatThrownBy(() -> RepositoryConfig.verifyMac(bytes, FormatV1TestVector.DATA_KEY, "vector"))
                .isInstanceOf(CorruptObjectException.class);
    }

    @Test
    void checkedInSnapshotNamesTheTreeBlob() {
        byte[] sealed = object("snapshot.hex");
        String name = FormatV1TestVector.SNAPSHOT_NAME;
        byte[] payload = SealedObject.open(FormatV1TestVector.DATA_KEY, SealedObject.Kind.SNAPSHOT, name, sealed);
        Snapshot snapshot = SnapshotCodec.decode(new PayloadCodec(Compression.ZSTD, 3).decode(payload, name),
                FormatV1TestVector.SNAPSHOT_ID);

        assertThat(snapshot.tree()).isEqualTo(keysTxt().get("blob tree id"));
        assertThat(snapshot.kind()).isEqualTo("files");
        assertThat(snapshot.paths()).containsExactly("/srv/vector/greeting.txt");
        assertThat(snapshot.parent()).isNull();
        assertThat(snapshot.summary().files()).isEqualTo(1);
    }

    @Test
    void gearTableAndChunkCutsMatchTheCheckedInValues() {
        Map<String, String> keys = keysTxt();
        GearTable gear = GearTable.derive(FormatV1TestVector.CHUNKER_KEY);
        assertThat(String.format("%016x", gear.value(0))).isEqualTo(keys.get("gear[0]"));
        assertThat(String.format("%016x", gear.value(1))).isEqualTo(keys.get("gear[1]"));
        assertThat(String.format("%016x", gear.value(255))).isEqualTo(keys.get("gear[255]"));

        List<Integer> expected = Arrays.stream(keys.get("cut lengths").split(",")).map(Integer::valueOf).toList();
        assertThat(FormatV1TestVector.cutLengths()).isEqualTo(expected);
        assertThat(expected.stream().mapToInt(Integer::intValue).sum()).isEqualTo(FormatV1TestVector.CUT_INPUT_BYTES);
    }

    // ---- (b) today's writers produce exactly the checked-in bytes -------------------------------

    @Test
    void regeneratingTheVectorGivesTheCheckedInBytes() throws IOException {
        Map<String, byte[]> generated = FormatV1TestVector.files();
        Files.createDirectories(generatedDir());
        List<String> differing = new ArrayList<>();
        for (Map.Entry<String, byte[]> file : generated.entrySet()) {
            Files.write(generatedDir().resolve(file.getKey()), file.getValue());
            try (InputStream in = getClass().getResourceAsStream(DIR + file.getKey())) {
                if (in == null || !Arrays.equals(in.readAllBytes(), file.getValue())) {
                    differing.add(file.getKey());
                }
            }
        }
        assertThat(differing)
                .as("format v1 bytes changed without a version bump (see this class's comment); regenerated files are in "
                        + generatedDir().toAbsolutePath())
                .isEmpty();
        assertThat(generated.keySet()).containsExactlyElementsOf(FormatV1TestVector.FILES);
    }

    // ---- the vector as a whole repository --------------------------------------------------------

    @Test
    void vectorObjectsFormARepositoryThatOpensVerifiesAndRestoresTheFile(@TempDir Path dir) throws Exception {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        FormatV1TestVector.OBJECTS.forEach((name, file) -> store.put(name, object(file)));

        assertThatThrownBy(() -> Repository.open(new LocalDirectoryStore(dir), "wrong".toCharArray()))
                .isInstanceOf(WrongKeyException.class);
        try (Repository repo = Repository.open(store, FormatV1TestVector.PASSPHRASE.clone())) {
            assertThat(repo.config()).isEqualTo(FormatV1TestVector.config());
            assertThat(repo.indexUnindexedPacks()).as("the pack is indexed").isZero();

            Snapshot snapshot = repo.findSnapshot("latest");
            assertThat(snapshot.id()).isEqualTo(FormatV1TestVector.SNAPSHOT_ID);
            Node file = repo.loadTree(BlobId.parse(snapshot.tree())).get(0);
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            for (ChunkRef chunk : file.content()) {
                content.write(repo.loadBlob(BlobType.DATA, chunk.id()));
            }
            assertThat(content.toString(StandardCharsets.US_ASCII))
                    .isEqualTo("hello summit" + "summit dr keeps every byte; ".repeat(10));

            Verifier.Report report = new Verifier(repo, 1).verify(1.0);
            assertThat(report.errors()).isEmpty();
            assertThat(report.warnings()).isEmpty();
            assertThat(report.packsRead()).isEqualTo(1);
        }
    }

    @Test
    void packBuilderLaysOutAPackExactlyLikeTheVector() {
        // PackBuilder picks a random pack id, so its bytes differ; its layout must not.
        byte[] vector = object("pack.hex");
        PayloadCodec payloads = new PayloadCodec(Compression.ZSTD, 3);
        PackBuilder builder = new PackBuilder(FormatV1TestVector.DATA_KEY, 1, FormatV1TestVector.PACK_SIZE);
        for (Blob b : FormatV1TestVector.blobs()) {
            byte[] payload = payloads.encode(b.plain(), 0, b.plain().length);
            PackBuilder.Reservation r = builder.reserve(b.type(), b.id(), payload.length);
            builder.fill(r, r.encrypt(payload));
        }
        assertThat(builder.close()).isTrue();
        byte[] built = builder.finish();

        assertThat(built).hasSameSizeAs(vector);
        assertThat(Arrays.copyOfRange(built, built.length - PackFormat.FOOTER_BYTES, built.length))
                .isEqualTo(Arrays.copyOfRange(vector, vector.length - PackFormat.FOOTER_BYTES, vector.length));
        assertThat(PackReader.list(built, builder.packId(), e -> FormatV1TestVector.DATA_KEY))
                .isEqualTo(PackReader.list(vector, FormatV1TestVector.PACK_ID, e -> FormatV1TestVector.DATA_KEY));
    }

    // ---- the spec's primitives, transcribed by hand with the JDK only --------------------------

    @Test
    void packBlobsDecryptWithTheKeyNonceAndAssociatedDataTheSpecDescribes() throws Exception {
        byte[] pack = object("pack.hex");
        byte[] packKey = hkdf(FormatV1TestVector.DATA_KEY, "summit-dr pack v1", FormatV1TestVector.PACK_ID);
        assertThat(HexFormat.of().formatHex(packKey)).isEqualTo(keysTxt().get("pack key"));
        assertThat(packKey).isEqualTo(PackFormat.packKey(FormatV1TestVector.DATA_KEY, FormatV1TestVector.PACK_ID));

        // Footer: "SDRP" 01 00 00 00, epoch u32, trailer length u32 — all big-endian, plaintext.
        ByteBuffer footer = ByteBuffer.wrap(pack, pack.length - 16, 16);
        byte[] magic = new byte[8];
        footer.get(magic);
        assertThat(magic).containsExactly('S', 'D', 'R', 'P', 1, 0, 0, 0);
        assertThat(footer.getInt()).isEqualTo(1);
        int trailerLength = footer.getInt();
        int trailerOffset = pack.length - 16 - trailerLength;

        byte[] trailerAad = ByteBuffer.allocate(37).put(new byte[]{'S', 'D', 'R', 'T', 1}).put(FormatV1TestVector.PACK_ID).array();
        ByteBuffer trailer = ByteBuffer.wrap(gcmOpen(packKey, trailerOffset, trailerAad, pack, trailerOffset, trailerLength));
        assertThat(trailer.getInt()).isEqualTo(3);
        // The second entry is the compressible text blob.
        trailer.position(4 + 41);
        assertThat(trailer.get()).isEqualTo((byte) 1);
        byte[] id = new byte[32];
        trailer.get(id);
        int offset = trailer.getInt();
        int length = trailer.getInt();

        byte[] blobAad = ByteBuffer.allocate(38).put(new byte[]{'S', 'D', 'R', 'B', 1, 1}).put(id).array();
        byte[] payload = gcmOpen(packKey, offset, blobAad, pack, offset, length);
        assertThat(payload[0]).as("compression byte: zstd").isEqualTo((byte) 1);
        assertThat(ByteBuffer.wrap(payload, 1, 4).getInt()).as("raw length").isEqualTo(FormatV1TestVector.TEXT.length);
        assertThat(Arrays.copyOfRange(payload, 5, 9)).as("zstd frame magic").containsExactly(0x28, 0xb5, 0x2f, 0xfd);
        assertThat(dataBlobId(FormatV1TestVector.ID_KEY, FormatV1TestVector.TEXT)).isEqualTo(id);
    }

    @Test
    void sealedObjectsDecryptWithTheNameBoundKeyNonceZeroAndHeaderPlusNameAsAssociatedData() throws Exception {
        byte[] sealed = object("index.hex");
        String name = FormatV1TestVector.INDEX_NAME;
        byte[] header = Arrays.copyOf(sealed, 10);
        assertThat(header).containsExactly('S', 'D', 'R', 'O', 1, 2, 0, 0, 0, 1);

        byte[] key = hkdf(FormatV1TestVector.DATA_KEY, "summit-dr object v1", name.getBytes(StandardCharsets.UTF_8));
        byte[] aad = ByteBuffer.allocate(10 + name.length()).put(header).put(name.getBytes(StandardCharsets.UTF_8)).array();
        byte[] payload = gcmOpen(key, 0, aad, sealed, 10, sealed.length - 10);

        assertThat(payload).isEqualTo(SealedObject.open(FormatV1TestVector.DATA_KEY, SealedObject.Kind.INDEX, name, sealed));
        byte[] plain = new PayloadCodec(Compression.NONE, 3).decode(payload, name);
        assertThat(Arrays.copyOf(plain, 5)).containsExactly('S', 'D', 'R', 'I', 1);
    }

    /** HKDF-SHA256 (RFC 5869) with an all-zero salt and info = label || 0x00 || context, 32 bytes out. */
    private static byte[] hkdf(byte[] inputKey, String label, byte[] context) throws Exception {
        byte[] prk = hmac(new byte[32], inputKey);
        byte[] labelBytes = label.getBytes(StandardCharsets.US_ASCII);
        byte[] info = ByteBuffer.allocate(labelBytes.length + 1 + context.length + 1)
                .put(labelBytes).put((byte) 0).put(context).put((byte) 1).array();
        return hmac(prk, info);
    }

    private static byte[] hmac(byte[] key, byte[] data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data);
    }

    /** The spec's id of a data blob: HMAC-SHA256(idKey, 0x01 || plaintext). */
    private static byte[] dataBlobId(byte[] idKey, byte[] plaintext) throws Exception {
        byte[] typed = new byte[plaintext.length + 1];
        typed[0] = 1;
        System.arraycopy(plaintext, 0, typed, 1, plaintext.length);
        return hmac(idKey, typed);
    }

    /** AES-256-GCM open with the spec's nonce: 4 zero bytes, then the counter as a big-endian u64. */
    private static byte[] gcmOpen(byte[] key, long counter, byte[] aad, byte[] buf, int offset, int length) throws Exception {
        byte[] nonce = ByteBuffer.allocate(12).putInt(0).putLong(counter).array();
        assertThat(nonce).isEqualTo(AesGcm.nonce(counter));
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
        cipher.updateAAD(aad);
        return cipher.doFinal(buf, offset, length);
    }
}
