package dr.summit.repository.pack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.TestBytes;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.crypto.AesGcm;
import dr.summit.repository.crypto.Hkdf;
import dr.summit.repository.format.ByteWriter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class PackBuilderReaderTest {

    private record Blob(BlobType type, BlobId id, byte[] payload) {
    }

    private record Built(byte[] packId, int epoch, byte[] bytes, List<PackEntry> entries, List<Blob> blobs) {
        String hex() {
            return HexFormat.of().formatHex(packId);
        }

        int trailerOffset() {
            return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).offset() + entries.get(entries.size() - 1).length();
        }
    }

    /** Data keys of every epoch, derived from one master key, like a keyring that holds them all. */
    private static final byte[] MASTER = TestBytes.random(new Random(50), 32);
    private static final IntFunction<byte[]> KEYS = epoch ->
            Hkdf.derive(MASTER, "test epoch", ByteBuffer.allocate(4).putInt(epoch).array());

    private static List<Blob> randomBlobs(Random random, int count, int maxPayload) {
        List<Blob> blobs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            BlobType type = random.nextInt(4) == 0 ? BlobType.TREE : BlobType.DATA;
            blobs.add(new Blob(type, TestBytes.randomId(random), TestBytes.random(random, random.nextInt(maxPayload + 1))));
        }
        return blobs;
    }

    /** reserve → encrypt → fill for each blob, then close and finish. */
    private static Built build(int epoch, List<Blob> blobs) {
        PackBuilder builder = new PackBuilder(KEYS.apply(epoch), epoch, Integer.MAX_VALUE);
        for (Blob b : blobs) {
            PackBuilder.Reservation r = builder.reserve(b.type(), b.id(), b.payload().length);
            assertThat(r).isNotNull();
            assertThat(builder.fill(r, r.encrypt(b.payload()))).isFalse();
        }
        assertThat(builder.close()).isTrue();
        assertThat(builder.isEmpty()).isEqualTo(blobs.isEmpty());
        byte[] bytes = builder.finish();
        return new Built(builder.packId(), epoch, bytes, builder.entries(), blobs);
    }

    private static byte[] open(Built pack, PackEntry entry, byte[] bytes) {
        byte[] packKey = PackFormat.packKey(KEYS.apply(pack.epoch()), pack.packId());
        return PackReader.openBlob(packKey, pack.packId(), entry, bytes, entry.offset());
    }

    @Test
    void randomPacksListBackAndEveryBlobOpens() {
        Random random = new Random(51);
        for (int i = 0; i < 200; i++) {
            List<Blob> blobs = randomBlobs(random, i % 20 == 0 ? 0 : random.nextInt(30), random.nextInt(3) == 0 ? 0 : 3_000);
            Built pack = build(1 + random.nextInt(3), blobs);

            List<PackEntry> listed = PackReader.list(pack.bytes(), pack.packId(), KEYS);

            assertThat(listed).isEqualTo(pack.entries());
            assertThat(listed).hasSize(blobs.size());
            for (int k = 0; k < blobs.size(); k++) {
                PackEntry e = listed.get(k);
                assertThat(e.type()).isEqualTo(blobs.get(k).type());
                assertThat(e.id()).isEqualTo(blobs.get(k).id());
                assertThat(e.length()).isEqualTo(blobs.get(k).payload().length + AesGcm.TAG_BYTES);
                assertThat(open(pack, e, pack.bytes())).isEqualTo(blobs.get(k).payload());
            }
            int trailerLength = 4 + blobs.size() * PackFormat.TRAILER_ENTRY_BYTES + AesGcm.TAG_BYTES;
            assertThat(pack.bytes()).hasSize(pack.trailerOffset() + trailerLength + PackFormat.FOOTER_BYTES);
        }
    }

    @Test
    void blobsOpenFromARangeReadOfThePack() {
        Random random = new Random(52);
        Built pack = build(1, randomBlobs(random, 10, 500));
        for (int k = 0; k < 10; k++) {
            PackEntry e = pack.entries().get(k);
            byte[] range = java.util.Arrays.copyOfRange(pack.bytes(), e.offset(), e.offset() + e.length());
            byte[] packKey = PackFormat.packKey(KEYS.apply(1), pack.packId());
            assertThat(PackReader.openBlob(packKey, pack.packId(), e, range, 0)).isEqualTo(pack.blobs().get(k).payload());
        }
    }

    @Test
    void concurrentReservationsAndFillsInAnyOrderProduceAValidPack() throws Exception {
        Random random = new Random(53);
        List<Blob> blobs = randomBlobs(random, 800, 2_000);
        PackBuilder builder = new PackBuilder(KEYS.apply(2), 2, Integer.MAX_VALUE);
        List<Blob> shuffled = new ArrayList<>(blobs);
        Collections.shuffle(shuffled, random);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                List<Blob> mine = shuffled.subList(t * 200, (t + 1) * 200);
                futures.add(pool.submit(() -> {
                    List<PackBuilder.Reservation> pending = new ArrayList<>();
                    for (Blob b : mine) {
                        pending.add(builder.reserve(b.type(), b.id(), b.payload().length));
                    }
                    Collections.reverse(pending);
                    for (PackBuilder.Reservation r : pending) {
                        Blob b = mine.stream().filter(x -> x.id().equals(r.id())).findFirst().orElseThrow();
                        builder.fill(r, r.encrypt(b.payload()));
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertThat(builder.close()).isTrue();
        Built pack = new Built(builder.packId(), 2, builder.finish(), builder.entries(), blobs);

        List<PackEntry> listed = PackReader.list(pack.bytes(), pack.packId(), KEYS);
        assertThat(listed).hasSize(800);
        for (PackEntry e : listed) {
            Blob b = blobs.stream().filter(x -> x.id().equals(e.id())).findFirst().orElseThrow();
            assertThat(e.type()).isEqualTo(b.type());
            assertThat(open(pack, e, pack.bytes())).isEqualTo(b.payload());
        }
    }

    @Test
    void reservingPastTheTargetSizeClosesThePack() {
        Random random = new Random(54);
        PackBuilder builder = new PackBuilder(KEYS.apply(1), 1, 100);
        PackBuilder.Reservation first = builder.reserve(BlobType.DATA, TestBytes.randomId(random), 50);
        PackBuilder.Reservation second = builder.reserve(BlobType.DATA, TestBytes.randomId(random), 50);
        assertThat(first.offset()).isZero();
        assertThat(second.offset()).isEqualTo(66);
        assertThat(builder.size()).isEqualTo(132);

        assertThat(builder.reserve(BlobType.DATA, TestBytes.randomId(random), 1)).isNull();
        assertThat(builder.fill(second, second.encrypt(new byte[50]))).as("first is still unfilled").isFalse();
        assertThat(builder.fill(first, first.encrypt(new byte[50]))).as("last fill completes the pack").isTrue();
        assertThat(PackReader.list(builder.finish(), builder.packId(), KEYS)).hasSize(2);
    }

    @Test
    void closeReportsWhetherReservationsAreStillUnfilled() {
        Random random = new Random(55);
        PackBuilder builder = new PackBuilder(KEYS.apply(1), 1, 1 << 20);
        PackBuilder.Reservation r = builder.reserve(BlobType.DATA, TestBytes.randomId(random), 10);
        assertThat(builder.close()).isFalse();
        assertThatThrownBy(builder::finish).isInstanceOf(IllegalStateException.class);
        assertThat(builder.reserve(BlobType.DATA, TestBytes.randomId(random), 10)).isNull();
        assertThat(builder.fill(r, r.encrypt(new byte[10]))).isTrue();
        assertThat(builder.finish()).isNotEmpty();
    }

    @Test
    void finishingAnOpenPackIsRefused() {
        PackBuilder builder = new PackBuilder(KEYS.apply(1), 1, 1 << 20);
        assertThatThrownBy(builder::finish).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void fillWithCiphertextOfTheWrongLengthIsRefused() {
        PackBuilder builder = new PackBuilder(KEYS.apply(1), 1, 1 << 20);
        PackBuilder.Reservation r = builder.reserve(BlobType.DATA, TestBytes.randomId(new Random(56)), 10);
        assertThatThrownBy(() -> builder.fill(r, new byte[10])).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anyFlippedBitInABlobFailsThatBlobOnly() {
        Random random = new Random(57);
        for (int i = 0; i < 300; i++) {
            Built pack = build(1, randomBlobs(random, 1 + random.nextInt(8), 300));
            int victim = random.nextInt(pack.entries().size());
            PackEntry v = pack.entries().get(victim);
            int bit = v.offset() * 8 + random.nextInt(v.length() * 8);
            byte[] damaged = TestBytes.flipBit(pack.bytes(), bit);

            assertThat(PackReader.list(damaged, pack.packId(), KEYS)).as("trailer is intact").isEqualTo(pack.entries());
            for (int k = 0; k < pack.entries().size(); k++) {
                PackEntry e = pack.entries().get(k);
                if (k == victim) {
                    assertThatThrownBy(() -> open(pack, e, damaged))
                            .as("case %d, %s", i, TestBytes.describeBit(bit))
                            .isInstanceOf(CorruptObjectException.class)
                            .hasMessageContaining(pack.hex())
                            .hasMessageContaining(e.id().shortHex())
                            .hasMessageContaining("at offset " + e.offset());
                } else {
                    assertThat(open(pack, e, damaged)).isEqualTo(pack.blobs().get(k).payload());
                }
            }
        }
    }

    @Test
    void everyFlippedBitOfASmallBlobIsDetected() {
        Random random = new Random(58);
        Built pack = build(1, randomBlobs(random, 3, 20));
        for (PackEntry e : pack.entries()) {
            for (int bit = e.offset() * 8; bit < (e.offset() + e.length()) * 8; bit++) {
                byte[] damaged = TestBytes.flipBit(pack.bytes(), bit);
                assertThatThrownBy(() -> open(pack, e, damaged)).isInstanceOf(CorruptObjectException.class);
            }
        }
    }

    @Test
    void blobOpenedWithAnotherEntrysMetadataIsRejected() {
        Random random = new Random(59);
        Built pack = build(1, randomBlobs(random, 2, 100));
        PackEntry e = pack.entries().get(0);
        PackEntry otherType = new PackEntry(e.type() == BlobType.DATA ? BlobType.TREE : BlobType.DATA, e.id(), e.offset(), e.length());
        PackEntry otherId = new PackEntry(e.type(), TestBytes.randomId(random), e.offset(), e.length());
        for (PackEntry lie : List.of(otherType, otherId)) {
            assertThatThrownBy(() -> open(pack, lie, pack.bytes())).isInstanceOf(CorruptObjectException.class);
        }
        // The ciphertext of blob 0 presented as if it sat at blob 1's offset: another nonce.
        PackEntry moved = new PackEntry(e.type(), e.id(), pack.entries().get(1).offset(), e.length());
        byte[] packKey = PackFormat.packKey(KEYS.apply(1), pack.packId());
        assertThatThrownBy(() -> PackReader.openBlob(packKey, pack.packId(), moved, pack.bytes(), e.offset()))
                .isInstanceOf(CorruptObjectException.class);
    }

    @Test
    void everyFlippedBitOfTheTrailerMakesListingFail() {
        Random random = new Random(60);
        Built pack = build(1, randomBlobs(random, 3, 50));
        int from = pack.trailerOffset() * 8;
        int to = (pack.bytes().length - PackFormat.FOOTER_BYTES) * 8;
        for (int bit = from; bit < to; bit++) {
            byte[] damaged = TestBytes.flipBit(pack.bytes(), bit);
            assertThatThrownBy(() -> PackReader.list(damaged, pack.packId(), KEYS))
                    .as(TestBytes.describeBit(bit))
                    .isInstanceOf(CorruptObjectException.class)
                    .hasMessageContaining(pack.hex());
        }
    }

    @Test
    void randomFlippedBitsInTrailersOfRandomPacksMakeListingFail() {
        Random random = new Random(61);
        for (int i = 0; i < 300; i++) {
            Built pack = build(1, randomBlobs(random, random.nextInt(40), 100));
            int from = pack.trailerOffset() * 8;
            int to = (pack.bytes().length - PackFormat.FOOTER_BYTES) * 8;
            int bit = from + random.nextInt(to - from);
            byte[] damaged = TestBytes.flipBit(pack.bytes(), bit);
            assertThatThrownBy(() -> PackReader.list(damaged, pack.packId(), KEYS))
                    .as("case %d, %s", i, TestBytes.describeBit(bit))
                    .isInstanceOf(CorruptObjectException.class);
        }
    }

    /**
     * The footer is plaintext and not covered by any tag; a verify that lists a pack must still
     * notice any change to it. Collects the bit positions whose flip went unnoticed.
     */
    @Test
    void packFooterRejectsAnyFlippedBit() {
        Random random = new Random(62);
        Built pack = build(1, randomBlobs(random, 4, 200));
        int footerStart = (pack.bytes().length - PackFormat.FOOTER_BYTES) * 8;
        List<String> accepted = new ArrayList<>();
        for (int bit = footerStart; bit < pack.bytes().length * 8; bit++) {
            byte[] damaged = TestBytes.flipBit(pack.bytes(), bit);
            Throwable thrown = catchThrowable(() -> PackReader.list(damaged, pack.packId(), KEYS));
            if (thrown == null) {
                accepted.add("footer byte " + (bit - footerStart) / 8 + " bit " + (bit - footerStart) % 8);
            } else {
                assertThat(thrown).isInstanceOf(CorruptObjectException.class);
            }
        }
        assertThat(accepted).as("flips of the footer that PackReader.list accepted").isEmpty();
    }

    @Test
    void footerIsMagicVersionReservedEpochTrailerLength() {
        Built pack = build(7, List.of());
        byte[] footer = java.util.Arrays.copyOfRange(pack.bytes(), pack.bytes().length - 16, pack.bytes().length);
        assertThat(footer).containsExactly('S', 'D', 'R', 'P', 1, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 20);
        assertThat(PackReader.list(pack.bytes(), pack.packId(), KEYS)).isEmpty();
    }

    @Test
    void everyTruncationOfAPackFailsWithAClearMessage() {
        Random random = new Random(63);
        Built pack = build(1, randomBlobs(random, 5, 100));
        for (int length = 0; length < pack.bytes().length; length++) {
            byte[] cut = TestBytes.truncate(pack.bytes(), length);
            assertThatThrownBy(() -> PackReader.list(cut, pack.packId(), KEYS))
                    .as("truncated to %d of %d bytes", length, pack.bytes().length)
                    .isInstanceOf(CorruptObjectException.class)
                    .hasMessageStartingWith(PackFormat.objectName(pack.packId()))
                    .hasMessageContaining("truncated");
        }
    }

    @Test
    void listingUnderAnotherPackIdOrEpochKeyFails() {
        Random random = new Random(64);
        Built pack = build(1, randomBlobs(random, 3, 100));
        byte[] otherId = TestBytes.flipBit(pack.packId(), 100);
        assertThatThrownBy(() -> PackReader.list(pack.bytes(), otherId, KEYS)).isInstanceOf(CorruptObjectException.class);
        assertThatThrownBy(() -> PackReader.list(pack.bytes(), pack.packId(), e -> KEYS.apply(e + 1)))
                .isInstanceOf(CorruptObjectException.class);
    }

    @Test
    void foreignBytesAreNotAPack() {
        byte[] zip = new byte[100];
        zip[0] = 'P';
        zip[1] = 'K';
        assertThatThrownBy(() -> PackReader.list(zip, new byte[32], KEYS))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("not a pack (bad footer magic");
    }

    @Test
    void footerTrailerLengthMustFitThePack() {
        byte[] footer = new ByteWriter(16).bytes(new byte[]{'S', 'D', 'R', 'P'}).u8(1).u8(0).u8(0).u8(0).u32(1).u32(100)
                .toByteArray();
        assertThat(PackReader.footer(footer, "p", 116)).isEqualTo(new PackReader.Footer(1, 100));
        assertThatThrownBy(() -> PackReader.footer(footer, "p", 115))
                .isInstanceOf(CorruptObjectException.class)
                .hasMessage("p: trailer length 100 does not fit a pack of 115 bytes");
        byte[] tiny = footer.clone();
        tiny[15] = 19;
        assertThatThrownBy(() -> PackReader.footer(tiny, "p", 1000)).isInstanceOf(CorruptObjectException.class);
        byte[] v2 = footer.clone();
        v2[4] = 2;
        assertThatThrownBy(() -> PackReader.footer(v2, "p", 1000))
                .isInstanceOf(CorruptObjectException.class).hasMessage("p: unsupported pack version 2");
    }

    /** Seals a hand-made trailer plaintext the way PackBuilder would. */
    private static byte[] sealTrailer(byte[] packId, int trailerOffset, byte[] plain) {
        byte[] key = PackFormat.packKey(KEYS.apply(1), packId);
        return AesGcm.seal(key, PackFormat.nonceFor(trailerOffset), PackFormat.trailerAad(packId), plain);
    }

    private static byte[] trailerPlain(int[][] entries, int extraBytes) {
        ByteWriter w = new ByteWriter(64).u32(entries.length);
        Random random = new Random(65);
        for (int[] e : entries) {
            w.u8(e[0]).bytes(TestBytes.random(random, 32)).u32(e[1]).u32(e[2]);
        }
        w.bytes(new byte[extraBytes]);
        return w.toByteArray();
    }

    @Test
    void wellFormedHandMadeTrailerIsAccepted() {
        byte[] packId = new byte[32];
        byte[] plain = trailerPlain(new int[][]{{1, 0, 20}, {2, 20, 30}}, 0);
        assertThat(PackReader.trailer(KEYS.apply(1), packId, sealTrailer(packId, 50, plain), 50)).hasSize(2);
    }

    @Test
    void trailerWithInconsistentEntriesIsRejected() {
        byte[] packId = new byte[32];
        packId[0] = 1;
        int[][][] bad = {
                {{1, 0, 20}, {1, 21, 29}},   // gap
                {{1, 0, 20}, {1, 19, 31}},   // overlap
                {{1, 4, 46}},                // does not start at 0
                {{1, 0, 60}},                // runs into the trailer
                {{1, 0, 15}, {1, 15, 35}},   // shorter than a tag
                {{1, 0, 20}},                // leaves bytes before the trailer unaccounted
                {{9, 0, 50}},                // unknown blob type
        };
        Random random = new Random(67);
        for (int[][] entries : bad) {
            // A fresh pack id per case: the JDK refuses to seal twice in a row under one key and nonce.
            byte[] id = TestBytes.random(random, 32);
            byte[] sealed = sealTrailer(id, 50, trailerPlain(entries, 0));
            assertThatThrownBy(() -> PackReader.trailer(KEYS.apply(1), id, sealed, 50))
                    .as(java.util.Arrays.deepToString(entries))
                    .isInstanceOf(CorruptObjectException.class);
        }
        byte[] trailing = sealTrailer(packId, 50, trailerPlain(new int[][]{{1, 0, 50}}, 3));
        assertThatThrownBy(() -> PackReader.trailer(KEYS.apply(1), packId, trailing, 50))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("trailing");
        byte[] countTooBig = new ByteWriter(8).u32(2).toByteArray();
        byte[] sealed = sealTrailer(packId, 0, countTooBig);
        assertThatThrownBy(() -> PackReader.trailer(KEYS.apply(1), packId, sealed, 0))
                .isInstanceOf(CorruptObjectException.class);
    }

    @Test
    void packObjectNamesRoundTripAndForeignNamesAreNotPacks() {
        Random random = new Random(66);
        for (int i = 0; i < 100; i++) {
            byte[] id = TestBytes.random(random, 32);
            String name = PackFormat.objectName(id);
            assertThat(name).startsWith("data/" + HexFormat.of().formatHex(id).substring(0, 2) + "/");
            assertThat(PackFormat.idFromName(name)).isEqualTo(id);
        }
        assertThat(PackFormat.idFromName("index/" + "a".repeat(64))).isNull();
        assertThat(PackFormat.idFromName("data/aa/" + "a".repeat(63))).isNull();
        assertThat(PackFormat.idFromName("data/aa/" + "g".repeat(64))).isNull();
    }

    @Test
    void aPackStagedInTheStoreIsByteForByteThePackBuiltInMemory(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Random random = new Random(57);
        var store = new dr.summit.repository.store.LocalDirectoryStore(dir);
        for (int round = 0; round < 12; round++) {
            List<Blob> blobs = randomBlobs(random, 1 + random.nextInt(300), random.nextBoolean() ? 3_000 : 200_000);
            byte[] packId = PackBuilder.newPackId();
            String name = PackFormat.objectName(packId);
            PackBuilder inMemory = new PackBuilder(packId, KEYS.apply(3), 3, Integer.MAX_VALUE, null);
            PackBuilder staged = new PackBuilder(packId, KEYS.apply(3), 3, Integer.MAX_VALUE, store.stage(name).orElseThrow());
            List<PackBuilder.Reservation> memorySlots = new ArrayList<>();
            List<PackBuilder.Reservation> stagedSlots = new ArrayList<>();
            for (Blob b : blobs) {
                memorySlots.add(inMemory.reserve(b.type(), b.id(), b.payload().length));
                stagedSlots.add(staged.reserve(b.type(), b.id(), b.payload().length));
            }
            // The staged pack is filled from 4 threads in a shuffled order, as workers do.
            List<Integer> order = new ArrayList<>();
            for (int k = 0; k < blobs.size(); k++) {
                order.add(k);
            }
            Collections.shuffle(order, random);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Boolean>> fills = new ArrayList<>();
                for (int k : order) {
                    fills.add(pool.submit(() -> staged.fill(stagedSlots.get(k), stagedSlots.get(k).encrypt(blobs.get(k).payload()))));
                }
                for (Future<Boolean> f : fills) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
            for (int k = 0; k < blobs.size(); k++) {
                inMemory.fill(memorySlots.get(k), memorySlots.get(k).encrypt(blobs.get(k).payload()));
            }
            assertThat(inMemory.close()).isTrue();
            assertThat(staged.close()).isTrue();
            byte[] expected = inMemory.finish();
            staged.staged().commit(staged.finishStaged());
            staged.staged().close();

            byte[] stored = store.get(name);
            assertThat(stored).isEqualTo(expected);
            assertThat(PackReader.list(stored, packId, KEYS)).hasSize(blobs.size());
            assertThatThrownBy(staged::finish).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(inMemory::finishStaged).isInstanceOf(IllegalStateException.class);
        }
        assertThat(store.leftoverTemporaryFiles()).isEmpty();
    }
}
