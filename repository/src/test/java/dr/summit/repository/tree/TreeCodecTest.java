package dr.summit.repository.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.TestBytes;
import dr.summit.repository.blob.BlobId;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TreeCodecTest {

    private static final HexFormat HEX = HexFormat.of();

    /** Every field of a node, byte arrays as hex: Node is a record holding arrays, so its equals is by identity. */
    static String canonical(Node n) {
        return String.join("|", n.type().name(), HEX.formatHex(n.name()), "" + n.mode(), "" + n.uid(), "" + n.gid(),
                n.user(), n.group(), "" + n.mtimeSeconds(), "" + n.mtimeNanos(), "" + n.ctimeSeconds(),
                "" + n.ctimeNanos(), "" + n.inode(), "" + n.device(), "" + n.links(), "" + n.size(), "" + n.rdev(),
                n.linkTarget() == null ? "-" : HEX.formatHex(n.linkTarget()),
                n.xattrs().stream().map(x -> x.name() + "=" + HEX.formatHex(x.value())).toList().toString(),
                "" + n.flags(),
                n.content().stream().map(c -> c.id().hex() + ":" + c.length()).toList().toString(),
                n.subtrees().stream().map(BlobId::hex).toList().toString());
    }

    static List<String> canonical(List<Node> nodes) {
        return nodes.stream().map(TreeCodecTest::canonical).toList();
    }

    private static byte[] randomName(Random random) {
        int length = switch (random.nextInt(6)) {
            case 0 -> 255;
            case 1 -> 1 + random.nextInt(3);
            default -> 1 + random.nextInt(40);
        };
        byte[] name = new byte[length];
        for (int i = 0; i < length; i++) {
            int b;
            do {
                b = random.nextBoolean() ? 0x20 + random.nextInt(0x5F) : random.nextInt(256);
            } while (b == '/' || b == 0);
            name[i] = (byte) b;
        }
        if (Arrays.equals(name, new byte[]{'.'}) || Arrays.equals(name, new byte[]{'.', '.'})) {
            name[0] = 'x';
        }
        return name;
    }

    private static String randomString(Random random, int maxChars) {
        StringBuilder sb = new StringBuilder();
        String alphabet = "abcxyz_-.0123456789äöüßé€中文😀";
        int n = random.nextInt(maxChars + 1);
        for (int i = 0; i < n; i++) {
            sb.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
        }
        return sb.toString();
    }

    static Node randomNode(Random random, byte[] name) {
        NodeType type = NodeType.values()[random.nextInt(NodeType.values().length)];
        List<Xattr> xattrs = new ArrayList<>();
        for (int i = random.nextInt(4) == 0 ? random.nextInt(4) : 0; i > 0; i--) {
            xattrs.add(new Xattr("user." + randomString(random, 20), TestBytes.random(random, random.nextInt(3) == 0 ? 0 : random.nextInt(2000))));
        }
        List<ChunkRef> content = List.of();
        long size = random.nextInt(3) == 0 ? 0 : random.nextLong() & Long.MAX_VALUE;
        if (type == NodeType.FILE) {
            content = new ArrayList<>();
            int chunks = random.nextInt(10) == 0 ? 1_000 + random.nextInt(4_000) : random.nextInt(5);
            size = 0;
            for (int i = 0; i < chunks; i++) {
                int length = random.nextInt(16 * 1024 * 1024 + 1);
                content.add(new ChunkRef(TestBytes.randomId(random), length));
                size += length;
            }
        }
        List<BlobId> subtrees = List.of();
        if (type == NodeType.DIRECTORY) {
            subtrees = new ArrayList<>();
            for (int i = random.nextInt(10) == 0 ? random.nextInt(300) : 1; i > 0; i--) {
                subtrees.add(TestBytes.randomId(random));
            }
        }
        byte[] target = type == NodeType.SYMLINK ? TestBytes.random(random, random.nextInt(10) == 0 ? 4096 : random.nextInt(60)) : null;
        return new Node(type, name, random.nextInt(), random.nextInt(), random.nextInt(), randomString(random, 12),
                randomString(random, 12), random.nextLong(), random.nextInt(1_000_000_000), random.nextLong(),
                random.nextInt(1_000_000_000), random.nextLong(), random.nextLong(), random.nextInt(), size,
                random.nextLong(), target, xattrs, random.nextInt(256), content, subtrees);
    }

    /** A directory listing: unique names in unsigned byte order. */
    static List<Node> randomTree(Random random, int maxEntries) {
        TreeMap<byte[], Boolean> names = new TreeMap<>(Arrays::compareUnsigned);
        int count = random.nextInt(maxEntries + 1);
        while (names.size() < count) {
            names.put(randomName(random), Boolean.TRUE);
        }
        List<Node> nodes = new ArrayList<>();
        for (byte[] name : names.keySet()) {
            nodes.add(randomNode(random, name));
        }
        return nodes;
    }

    private static Node file(String name, long size, int... chunkLengths) {
        List<ChunkRef> content = new ArrayList<>();
        Random random = new Random(name.hashCode());
        for (int length : chunkLengths) {
            content.add(new ChunkRef(TestBytes.randomId(random), length));
        }
        return new Node(NodeType.FILE, name.getBytes(java.nio.charset.StandardCharsets.UTF_8), 0644, 1000, 1000, "u", "g",
                1, 0, 1, 0, 7, 8, 1, size, 0, null, List.of(), 0, content, List.of());
    }

    private static Node withName(Node n, byte[] name) {
        return new Node(n.type(), name, n.mode(), n.uid(), n.gid(), n.user(), n.group(), n.mtimeSeconds(), n.mtimeNanos(),
                n.ctimeSeconds(), n.ctimeNanos(), n.inode(), n.device(), n.links(), n.size(), n.rdev(), n.linkTarget(),
                n.xattrs(), n.flags(), n.content(), n.subtrees());
    }

    @Test
    void randomTreesRoundTrip() {
        Random random = new Random(90);
        for (int i = 0; i < 300; i++) {
            List<Node> tree = randomTree(random, i % 50 == 0 ? 0 : 30);
            byte[] bytes = TreeCodec.encode(tree);
            List<Node> decoded = TreeCodec.decode(bytes, "tree " + i);
            assertThat(canonical(decoded)).containsExactlyElementsOf(canonical(tree));
            assertThat(TreeCodec.encode(decoded)).isEqualTo(bytes);
        }
    }

    @Test
    void everyNodeTypeAndEdgeCaseNameRoundTrips() {
        Random random = new Random(91);
        byte[][] names = {
                {(byte) 0xFF, (byte) 0xFE, (byte) 0x80},     // not UTF-8
                {'.', '.', '.'},
                {'.', 'a'},
                {'a', '\\', 'b'},
                "ÄÖÜ".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                new byte[255],
        };
        Arrays.fill(names[5], (byte) 0xC3);
        List<byte[]> sorted = new ArrayList<>(Arrays.asList(names));
        sorted.sort(Arrays::compareUnsigned);
        for (NodeType type : NodeType.values()) {
            List<Node> tree = new ArrayList<>();
            for (byte[] name : sorted) {
                Node n;
                do {
                    n = randomNode(random, name);
                } while (n.type() != type);
                tree.add(n);
            }
            assertThat(canonical(TreeCodec.decode(TreeCodec.encode(tree), "t"))).containsExactlyElementsOf(canonical(tree));
        }
    }

    @Test
    void bigContentListsAndXattrsRoundTrip() {
        Random random = new Random(92);
        List<ChunkRef> content = new ArrayList<>();
        long size = 0;
        for (int i = 0; i < 100_000; i++) {
            content.add(new ChunkRef(TestBytes.randomId(random), 1 + random.nextInt(4 * 1024 * 1024)));
            size += content.get(i).length();
        }
        List<Xattr> xattrs = List.of(new Xattr("user.big", TestBytes.random(random, 200_000)), new Xattr("user.empty", new byte[0]),
                new Xattr("security.selinux", "system_u:object_r:etc_t:s0\0".getBytes()));
        Node big = new Node(NodeType.FILE, "huge.img".getBytes(), 0600, 0, 0, "root", "root", -1, 999_999_999, Long.MIN_VALUE, 0,
                Long.MAX_VALUE, -1, Integer.MAX_VALUE, size, -1, null, xattrs, Node.CHANGED_DURING_BACKUP, content, List.of());
        List<Node> decoded = TreeCodec.decode(TreeCodec.encode(List.of(big)), "t");
        assertThat(canonical(decoded)).containsExactly(canonical(big));
        assertThat(decoded.get(0).changedDuringBackup()).isTrue();
    }

    @Test
    void encodedSizeIsExactlyWhatANodeAddsToATree() {
        Random random = new Random(93);
        for (int i = 0; i < 500; i++) {
            Node n = randomNode(random, randomName(random));
            assertThat(TreeCodec.encodedSize(n)).as(canonical(n)).isEqualTo(TreeCodec.encode(List.of(n)).length - 5);
        }
    }

    @Test
    void unsafeNamesAreRejectedOnDecode() {
        byte[][] unsafe = {{}, {'.'}, {'.', '.'}, {'a', '/', 'b'}, {'/'}, {'.', '.', '/', 'x'}, {'a', 0, 'b'}, {0}, {'x', '/'}};
        for (byte[] name : unsafe) {
            byte[] bytes = TreeCodec.encode(List.of(withName(file("x", 3, 3), name)));
            assertThatThrownBy(() -> TreeCodec.decode(bytes, "tree 1234"))
                    .as("name %s", Arrays.toString(name))
                    .isInstanceOf(CorruptObjectException.class)
                    .hasMessageStartingWith("tree 1234: unsafe entry name");
        }
    }

    @Test
    void unsortedOrDuplicateNamesAreRejected() {
        byte[] unsorted = TreeCodec.encode(List.of(file("b", 0), file("a", 0)));
        assertThatThrownBy(() -> TreeCodec.decode(unsorted, "t"))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("not sorted or duplicated at 'a'");
        byte[] duplicate = TreeCodec.encode(List.of(file("a", 0), file("b", 0), file("b", 0)));
        assertThatThrownBy(() -> TreeCodec.decode(duplicate, "t")).isInstanceOf(CorruptObjectException.class);
        // Unsigned order: 0xC3 sorts after 'z'.
        byte[] signedOrder = TreeCodec.encode(List.of(withName(file("x", 0), new byte[]{(byte) 0xC3}), file("z", 0)));
        assertThatThrownBy(() -> TreeCodec.decode(signedOrder, "t")).isInstanceOf(CorruptObjectException.class);
        assertThat(TreeCodec.decode(TreeCodec.encode(List.of(file("z", 0), withName(file("x", 0), new byte[]{(byte) 0xC3}))), "t"))
                .hasSize(2);
    }

    @Test
    void sizeThatDiffersFromTheContentSumIsRejected() {
        assertThat(TreeCodec.decode(TreeCodec.encode(List.of(file("f", 30, 10, 20))), "t")).hasSize(1);
        for (long size : new long[]{0, 29, 31, 1L << 40}) {
            byte[] bytes = TreeCodec.encode(List.of(file("f", size, 10, 20)));
            assertThatThrownBy(() -> TreeCodec.decode(bytes, "t"))
                    .isInstanceOf(CorruptObjectException.class).hasMessageContaining("content of 'f' sums to 30 bytes, size says " + size);
        }
    }

    @Test
    void invalidTimesAndNegativeSizesAreRejected() {
        Node ok = file("f", 0);
        List<Node> bad = List.of(
                new Node(NodeType.FILE, ok.name(), 0, 0, 0, "", "", 0, 1_000_000_000, 0, 0, 0, 0, 1, 0, 0, null, null, 0, null, null),
                new Node(NodeType.FILE, ok.name(), 0, 0, 0, "", "", 0, -1, 0, 0, 0, 0, 1, 0, 0, null, null, 0, null, null),
                new Node(NodeType.FILE, ok.name(), 0, 0, 0, "", "", 0, 0, 0, 1_000_000_000, 0, 0, 1, 0, 0, null, null, 0, null, null),
                new Node(NodeType.FIFO, ok.name(), 0, 0, 0, "", "", 0, 0, 0, 0, 0, 0, 1, -1, 0, null, null, 0, null, null));
        for (Node n : bad) {
            byte[] bytes = TreeCodec.encode(List.of(n));
            assertThatThrownBy(() -> TreeCodec.decode(bytes, "t"))
                    .as(canonical(n)).isInstanceOf(CorruptObjectException.class).hasMessageContaining("invalid time or size");
        }
    }

    @Test
    void unknownVersionOrNodeTypeIsRejected() {
        byte[] bytes = TreeCodec.encode(List.of(file("f", 0)));
        byte[] v2 = bytes.clone();
        v2[0] = 2;
        assertThatThrownBy(() -> TreeCodec.decode(v2, "t"))
                .isInstanceOf(CorruptObjectException.class).hasMessage("t: unsupported tree version 2");
        byte[] type9 = bytes.clone();
        type9[5] = 9;
        assertThatThrownBy(() -> TreeCodec.decode(type9, "t"))
                .isInstanceOf(CorruptObjectException.class).hasMessage("t: unknown node type 9");
    }

    @Test
    void everyTruncationAndAnyTrailingByteIsRejected() {
        Random random = new Random(94);
        for (int i = 0; i < 20; i++) {
            byte[] bytes;
            do {
                bytes = TreeCodec.encode(randomTree(random, 3));
            } while (bytes.length > 4_000); // every prefix is decoded: keep it quadratic in a small size
            for (int length = 0; length < bytes.length; length++) {
                byte[] cut = TestBytes.truncate(bytes, length);
                assertThatThrownBy(() -> TreeCodec.decode(cut, "t"))
                        .as("case %d truncated to %d", i, length).isInstanceOf(CorruptObjectException.class);
            }
            byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
            assertThatThrownBy(() -> TreeCodec.decode(longer, "t")).isInstanceOf(CorruptObjectException.class);
        }
    }

    /**
     * Tree blobs are authenticated by AES-GCM in their pack, so a flipped bit may decode; but it
     * must then decode to a different tree, and decoding must never fail with anything but
     * CorruptObjectException.
     */
    @Test
    void anyFlippedBitFailsDecodingOrChangesTheTree() {
        Random random = new Random(95);
        int rejected = 0;
        for (int i = 0; i < 3_000; i++) {
            List<Node> tree = randomTree(random, 3);
            byte[] bytes = TreeCodec.encode(tree);
            int bit = random.nextInt(bytes.length * 8);
            byte[] damaged = TestBytes.flipBit(bytes, bit);
            AtomicReference<List<Node>> decoded = new AtomicReference<>();
            Throwable thrown = catchThrowable(() -> decoded.set(TreeCodec.decode(damaged, "t")));
            if (thrown != null) {
                assertThat(thrown).as("case %d, %s", i, TestBytes.describeBit(bit)).isInstanceOf(CorruptObjectException.class);
                rejected++;
            } else {
                assertThat(canonical(decoded.get())).as("case %d, %s", i, TestBytes.describeBit(bit)).isNotEqualTo(canonical(tree));
            }
        }
        assertThat(rejected).isPositive();
    }

    /**
     * Chunk lengths are u32 on disk but int in ChunkRef; a length above Integer.MAX_VALUE
     * (far above any chunk size) must be refused, not turned into a negative length.
     */
    @Test
    void chunkLengthBeyondIntRangeIsRejected() {
        byte[] bytes = TreeCodec.encode(List.of(file("f", 1, 1)));
        long huge = 0x8000_0000L;
        // Layout tail of a file node: size i64, rdev i64, xattrCount u16, chunkCount u32, (id[32] length u32).
        int lengthAt = bytes.length - 4;
        int sizeAt = bytes.length - 4 - 32 - 4 - 2 - 8 - 8;
        ByteBuffer.wrap(bytes).putInt(lengthAt, (int) huge).putLong(sizeAt, huge);
        AtomicReference<List<Node>> decoded = new AtomicReference<>();
        Throwable thrown = catchThrowable(() -> decoded.set(TreeCodec.decode(bytes, "t")));
        assertThat(thrown)
                .as("decode returned a chunk of length %s", decoded.get() == null ? "-" : decoded.get().get(0).content().get(0).length())
                .isInstanceOf(CorruptObjectException.class);
    }
}
