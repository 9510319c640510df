package dr.summit.repository;

import dr.summit.repository.blob.BlobHasher;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.blob.Compression;
import dr.summit.repository.blob.PayloadCodec;
import dr.summit.repository.chunker.Chunker;
import dr.summit.repository.chunker.ChunkerParams;
import dr.summit.repository.chunker.GearTable;
import dr.summit.repository.crypto.AesGcm;
import dr.summit.repository.crypto.Argon2Params;
import dr.summit.repository.crypto.Credentials;
import dr.summit.repository.crypto.KeySlot;
import dr.summit.repository.keys.KeyManager;
import dr.summit.repository.lease.LeaseHolder;
import dr.summit.repository.lease.LeaseTimes;
import dr.summit.repository.crypto.Keyring;
import dr.summit.repository.crypto.SealedObject;
import dr.summit.repository.index.BlobIndex;
import dr.summit.repository.index.BlobLocation;
import dr.summit.repository.index.IndexEntry;
import dr.summit.repository.index.IndexFileCodec;
import dr.summit.repository.pack.PackFormat;
import dr.summit.repository.pack.PackReader;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.snapshot.SnapshotCodec;
import dr.summit.repository.snapshot.DamagedSnapshotException;
import dr.summit.repository.snapshot.UnreadableSnapshot;
import dr.summit.repository.store.ObjectNotFoundException;
import dr.summit.repository.store.ObjectStore;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.TreeCodec;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ForkJoinPool;

/**
 * An open repository: config, unlocked keyring, loaded index, and the operations every source
 * builds on (save and load blobs, trees and snapshots). Create with {@link #init} or {@link #open}.
 */
public final class Repository implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ObjectStore store;
    private final RepositoryConfig config;
    private final KeyManager keys;
    private final BlobHasher hasher;
    private final PayloadCodec payloads;
    private final Chunker chunker;
    private volatile BlobIndex index = new BlobIndex();
    private volatile LeaseHolder lease;
    private final List<String> loadedIndexFiles = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** A {@link #session}: closing it releases its lease only; the store and keys belong to its parent. */
    private boolean borrowsKeys;

    private Repository(ObjectStore store, RepositoryConfig config, KeyManager keys) {
        this.store = store;
        this.config = config;
        this.keys = keys;
        Keyring keyring = keys.keyring();
        this.hasher = new BlobHasher(keyring.idKey());
        this.payloads = new PayloadCodec(config.compressionAlgorithm(), config.zstdLevel());
        this.chunker = new Chunker(new ChunkerParams(config.chunkerMin(), config.chunkerAvg(), config.chunkerMax()),
                GearTable.derive(keyring.chunkerKey()));
    }

    /** Settings chosen at init. */
    public record InitOptions(ChunkerParams chunker, int packSize, Compression compression, int zstdLevel,
                              Argon2Params kdf) {
        public static final InitOptions DEFAULT = new InitOptions(ChunkerParams.DEFAULT, 16 * 1024 * 1024,
                Compression.ZSTD, 3, Argon2Params.DEFAULT);

        public InitOptions {
            if (packSize < 1024 * 1024 || packSize > 128 * 1024 * 1024) {
                throw new IllegalArgumentException("pack size must be between 1 MiB and 128 MiB, got " + packSize);
            }
            if (zstdLevel < 1 || zstdLevel > 19) {
                throw new IllegalArgumentException("zstd level must be 1..19, got " + zstdLevel);
            }
        }

        public InitOptions withKdf(Argon2Params params) {
            return new InitOptions(chunker, packSize, compression, zstdLevel, params);
        }
    }

    /** Creates a repository in an empty location and returns it opened. */
    public static Repository init(ObjectStore store, char[] password, InitOptions options) {
        if (store.exists(RepositoryConfig.OBJECT_NAME)) {
            throw new RepositoryException("a repository already exists at " + store.location());
        }
        if (!store.list("").isEmpty()) {
            throw new RepositoryException(store.location() + " is not empty; a repository needs an empty location");
        }
        Instant now = Instant.now();
        Keyring keyring = Keyring.generate(now);
        // Order: slot, keyring and its wraps, then config. Until config exists the location is not
        // a repository, so a crash during init leaves nothing half-usable.
        KeySlot slot = KeySlot.passphrase(password, options.kdf(), "initial", now);
        KeyManager keys = KeyManager.initialize(store, keyring, slot, Credentials.passphrase(password));
        ChunkerParams c = options.chunker();
        RepositoryConfig config = new RepositoryConfig(randomHex(), now, c.minSize(), c.avgSize(), c.maxSize(),
                options.packSize(), options.compression().label(), options.zstdLevel());
        store.put(RepositoryConfig.OBJECT_NAME, config.encode(keyring.configMacKey()));
        return new Repository(store, config, keys);
    }

    /** Opens a repository with a passphrase and loads its index. */
    public static Repository open(ObjectStore store, char[] password) {
        return open(store, Credentials.passphrase(password));
    }

    /** Opens a repository with any slot the credentials open, takes a lease, and loads its index. */
    public static Repository open(ObjectStore store, Credentials credentials) {
        return open(store, credentials, "summit-dr");
    }

    /**
     * Opens, takes a lease for {@code command} (before reading the index: docs/repository-format.md,
     * "Prune"), and loads the index. A store that refuses the lease (read-only) still opens, with a
     * warning: a concurrent prune is then not held off.
     */
    public static Repository open(ObjectStore store, Credentials credentials, String command) {
        // Commands that load the index read or write blobs: get GCM compiled on the other core
        // while the key derivation runs (listings and key commands open without the index).
        AesGcm.warmUp();
        return leasedWithIndex(openWithoutIndex(store, credentials), command);
    }

    /** Takes {@code repo}'s lease for {@code command} and loads its index; closes it if either fails. */
    private static Repository leasedWithIndex(Repository repo, String command) {
        try {
            repo.takeLease(command);
            repo.loadIndex();
        } catch (RuntimeException e) {
            repo.close();
            throw e;
        }
        return repo;
    }

    /** Takes this process's lease (once); see {@link LeaseHolder}. */
    public void takeLease(String command) {
        takeLease(command, true);
    }

    /**
     * Takes this process's lease; {@code readsPacks} false for a process that only writes
     * standalone sealed objects and never reuses blobs (the WAL agent), which prune need not wait for.
     */
    public void takeLease(String command, boolean readsPacks) {
        if (lease != null) {
            return;
        }
        try {
            // A lease left by a process of this machine that was killed holds nobody back.
            LeaseHolder.removeStaleLocal(store).forEach(notice -> warnOnce(notice, notice));
            lease = LeaseHolder.acquire(store, leaseTimes, command, readsPacks);
        } catch (dr.summit.repository.store.StoreException e) {
            warnings.add("could not take a lease (" + e.getMessage() + "); a prune running at the same time is not held off");
        }
    }

    private LeaseTimes leaseTimes = LeaseTimes.fromSystemProperties();

    /** The lease this process holds, or null. */
    public LeaseHolder lease() {
        return lease;
    }

    public LeaseTimes leaseTimes() {
        return leaseTimes;
    }

    /** Things the operator should know that did not stop the command. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** Names of the index files the last {@link #loadIndex} read. */
    public List<String> loadedIndexFiles() {
        return List.copyOf(loadedIndexFiles);
    }

    /** Forgets the in-memory index and reads the index files again. */
    public void reloadIndex() {
        index = new BlobIndex();
        lateBlobs = new LateBlobs(this);   // it may hold entries of packs deleted since
        synchronized (damagedIndexFiles) {
            damagedIndexFiles.clear();
            damagedIndexNames.clear();
        }
        loadIndex();
    }

    /**
     * A second, independent session on this open repository for one command that a long-lived
     * process runs for a client (the resident agent's {@code pg backup}): the same store and unlocked
     * keys, so no key derivation again (keys another process rotated since are re-read), but the
     * config read and verified again, its own lease for {@code command} (one that holds prune off)
     * and the index loaded now, exactly as {@link #open} would. Closing it releases only its lease.
     */
    public Repository session(String command) {
        keys.refresh();
        byte[] configBytes = store.get(RepositoryConfig.OBJECT_NAME);
        RepositoryConfig current = RepositoryConfig.decode(configBytes, store.location());
        RepositoryConfig.verifyMac(configBytes, keys.keyring().configMacKey(), store.location());
        AesGcm.warmUp();
        Repository session = new Repository(store, current, keys);
        session.borrowsKeys = true;
        return leasedWithIndex(session, command);
    }

    /** Opens and unlocks a repository but does not load the index (for key and snapshot listings). */
    public static Repository openWithoutIndex(ObjectStore store, char[] password) {
        return openWithoutIndex(store, Credentials.passphrase(password));
    }

    public static Repository openWithoutIndex(ObjectStore store, Credentials credentials) {
        byte[] configBytes;
        try {
            configBytes = store.get(RepositoryConfig.OBJECT_NAME);
        } catch (ObjectNotFoundException e) {
            throw new NotARepositoryException("no repository at " + store.location()
                    + " (no config object); create one with 'summit-dr init'");
        }
        RepositoryConfig config = RepositoryConfig.decode(configBytes, store.location());
        KeyManager keys = KeyManager.open(store, credentials);
        RepositoryConfig.verifyMac(configBytes, keys.keyring().configMacKey(), store.location());
        return new Repository(store, config, keys);
    }

    /**
     * Reads every index file into memory (in parallel). A damaged index file does not make the
     * repository unusable: it is skipped and listed in {@link #damagedIndexFiles()} (verify
     * reports it), and the packs only it listed count as unindexed, which the next backup
     * re-indexes from the packs' own trailers.
     */
    public void loadIndex() {
        loadedIndexFiles.clear();
        java.util.Set<String> done = java.util.concurrent.ConcurrentHashMap.newKeySet();
        for (int round = 1; ; round++) {
            List<String> names = store.list("index/").stream().filter(n -> !done.contains(n)).filter(n -> {
                if (isObjectName(n, "index/")) {
                    return true;
                }
                warnOnce(n, "ignoring " + store.location() + "/" + n + ": not an index file name (a stray copy?); 'summit-dr repair-index' moves it aside");
                return false;
            }).toList();
            boolean replaced = loadIndexFiles(names, done);
            if (!replaced) {
                return;
            }
            // A prune replaced files we listed by a complete index written before it deleted
            // them: list again and read what is new (docs/repository-format.md, "Prune").
            if (round == 10) {
                throw new RepositoryException("the index of " + store.location() + " keeps changing while it is read; try again");
            }
        }
    }

    /** Reads the named index files in parallel; returns true if some had been deleted meanwhile. */
    private boolean loadIndexFiles(List<String> names, java.util.Set<String> done) {
        List<RuntimeException> errors = new ArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean vanished = new java.util.concurrent.atomic.AtomicBoolean();
        ForkJoinPool pool = new ForkJoinPool(Math.min(8, Math.max(2, Runtime.getRuntime().availableProcessors())));
        try {
            pool.submit(() -> names.parallelStream().forEach(name -> {
                try {
                    index.addIndexFile(readIndexFile(name));
                    loadedIndexFiles.add(name);
                } catch (ObjectNotFoundException e) {
                    vanished.set(true);
                } catch (dr.summit.repository.store.StoreException e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                } catch (RepositoryException e) {
                    // Damaged, or sealed with another repository's keys: skipped, named, never fatal.
                    synchronized (damagedIndexFiles) {
                        damagedIndexFiles.add(e.getMessage());
                        damagedIndexNames.add(name);
                    }
                    warnOnce(name, "index file " + store.location() + "/" + name + " skipped: " + e.getMessage()
                            + " ('summit-dr repair-index' rebuilds the index and moves it aside)");
                } catch (RuntimeException e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                }
                done.add(name);
            })).join();
        } finally {
            pool.shutdown();
        }
        if (!errors.isEmpty()) {
            // Store errors (unreachable, permission denied) are not damage: fail loudly.
            throw errors.get(0);
        }
        return vanished.get();
    }

    private final List<String> damagedIndexFiles = new ArrayList<>();

    private final List<String> damagedIndexNames = new ArrayList<>();

    /** Index files that could not be read at load time, with the reason; empty when all are fine. */
    public List<String> damagedIndexFiles() {
        synchronized (damagedIndexFiles) {
            return List.copyOf(damagedIndexFiles);
        }
    }

    /** Object names of the damaged index files (see {@link #damagedIndexFiles()}). */
    public List<String> damagedIndexNames() {
        synchronized (damagedIndexFiles) {
            return List.copyOf(damagedIndexNames);
        }
    }

    public IndexFileCodec.Decoded readIndexFile(String name) {
        byte[] sealed = store.get(name);
        SealedObject.Header header = SealedObject.header(sealed, name);
        byte[] payload = SealedObject.open(dataKey(header.epoch(), name), SealedObject.Kind.INDEX, name, sealed);
        return IndexFileCodec.decode(payloads.decode(payload, name), name);
    }

    /** Writes one index file for entries whose packs are already stored. */
    public String writeIndexFile(List<IndexEntry> entries) {
        String name = "index/" + randomHex();
        writeSealed(name, SealedObject.Kind.INDEX, IndexFileCodec.encode(entries));
        writtenIndexFiles.add(name);
        return name;
    }

    private final List<String> writtenIndexFiles = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Index files this process wrote (prune replaces them with its complete index too). */
    public List<String> writtenIndexFiles() {
        return List.copyOf(writtenIndexFiles);
    }

    /**
     * Stores {@code plain} as a standalone sealed object under {@code name} (write-once), for
     * sources that keep their own catalogue objects (PostgreSQL WAL files).
     */
    public void putSealed(String name, SealedObject.Kind kind, byte[] plain) {
        checkKeysBeforeWrite();
        writeSealed(name, kind, plain);
    }

    /**
     * Re-encrypts one sealed object under the current epoch, in place (same name, same plaintext);
     * returns false if it already was. Used by re-encryption to retire old data keys.
     */
    public boolean resealUnderCurrentEpoch(String name) {
        byte[] sealed = store.get(name);
        SealedObject.Header header = SealedObject.header(sealed, name);
        int current = keyring().currentEpoch();
        if (header.epoch() == current) {
            return false;
        }
        byte[] payload = SealedObject.open(dataKey(header.epoch(), name), header.kind(), name, sealed);
        store.replace(name, SealedObject.seal(dataKey(current), current, header.kind(), name, payload));
        java.util.Arrays.fill(payload, (byte) 0);
        return true;
    }

    /** Reads and authenticates a sealed object of the expected kind. */
    public byte[] getSealed(String name, SealedObject.Kind kind) {
        byte[] sealed = store.get(name);
        SealedObject.Header header = SealedObject.header(sealed, name);
        return payloads.decode(SealedObject.open(dataKey(header.epoch(), name), kind, name, sealed), name);
    }

    /** A sealed object made but not stored yet: {@code bytes[0, length)} go under {@code name}. */
    public record Sealed(String name, byte[] bytes, int length) {
    }

    /**
     * Seals what {@link #putSealed} would store, reading the {@code length} bytes of plaintext from
     * {@code source} in slices instead of holding them whole: the resident agent pushes several
     * 16 MiB WAL segments at once, and each then costs its compressed size in memory, not three
     * times its size. Store it with {@link #putSealed(Sealed)}.
     */
    public Sealed sealFrom(String name, SealedObject.Kind kind, int length, PayloadCodec.SliceSource source) throws java.io.IOException {
        checkKeysBeforeWrite();
        int epoch = keyring().currentEpoch();
        PayloadCodec.Placed payload = payloads.encodeFrom(source, length, SealedObject.HEADER_BYTES, dr.summit.repository.crypto.AesGcm.TAG_BYTES);
        int sealed = SealedObject.sealInPlace(dataKey(epoch), epoch, kind, name, payload.buffer(), payload.length());
        return new Sealed(name, payload.buffer(), sealed);
    }

    /** Bytes of the direct scratch buffer that {@link #encodeInto} needs for {@code length} bytes of plaintext. */
    public static int sealScratchBytes(int length) {
        return PayloadCodec.scratchBytes(length);
    }

    /** Length of the sealed object made by {@link #sealPayload} of a payload of {@code payloadLength}. */
    public static int sealedLength(int payloadLength) {
        return SealedObject.HEADER_BYTES + payloadLength + dr.summit.repository.crypto.AesGcm.TAG_BYTES;
    }

    /**
     * The first half of {@link #sealFrom} in a reused direct buffer ({@code scratch}, at least
     * {@link #sealScratchBytes}): the payload of {@code length} bytes read from {@code source},
     * at {@code scratch[0, returned length)}. {@link #sealPayload} seals it.
     */
    public int encodeInto(PayloadCodec.SliceSource source, int length, java.nio.ByteBuffer scratch) throws java.io.IOException {
        return payloads.encodeInto(source, length, scratch);
    }

    /**
     * Seals {@code payload[0, payloadLength)} (from {@link #encodeInto}) as {@code name}: what
     * {@link #sealFrom} would make, in a new array of exactly {@link #sealedLength} bytes.
     */
    public Sealed sealPayload(String name, SealedObject.Kind kind, java.nio.ByteBuffer payload, int payloadLength) {
        checkKeysBeforeWrite();
        int epoch = keyring().currentEpoch();
        byte[] out = new byte[sealedLength(payloadLength)];
        payload.get(0, out, SealedObject.HEADER_BYTES, payloadLength);
        int sealed = SealedObject.sealInPlace(dataKey(epoch), epoch, kind, name, out, payloadLength);
        return new Sealed(name, out, sealed);
    }

    /** Stores an object made by {@link #sealFrom} (write-once). */
    public void putSealed(Sealed sealed) {
        store.put(sealed.name(), sealed.bytes(), 0, sealed.length());
    }

    /**
     * As {@link #putSealed}, without compression: for small objects on a latency-critical path
     * (streamed WAL pieces, each a synchronous primary's commits wait for), where compressing saves
     * little. Readers need not know: the payload says it is raw.
     */
    public void putSealedUncompressed(String name, SealedObject.Kind kind, byte[] plain) {
        checkKeysBeforeWrite();
        writeSealed(name, kind, plain, RAW);
    }

    private static final PayloadCodec RAW = new PayloadCodec(Compression.NONE, 0);

    /**
     * Creates a sealed log (docs/repository-format.md, "Sealed logs") under {@code name}, durable
     * and empty, whose records are compressed unless {@code raw}. Only where
     * {@code store().canAppend()} (a local directory); on S3 callers store write-once objects.
     */
    public SealedLogWriter createSealedLog(String name, boolean raw) {
        checkKeysBeforeWrite();
        int epoch = keyring().currentEpoch();
        return store.createAppendable(name, dr.summit.repository.crypto.SealedLog.header(epoch))
                .map(object -> new SealedLogWriter(this, object, name, raw ? RAW : payloads))
                .orElseThrow(() -> new RepositoryException("the store at " + store.location()
                        + " cannot append; sealed logs need a local directory (" + name + ")"));
    }

    /** The records of a sealed log up to a torn tail, decoded, in the order they were appended. */
    public List<byte[]> readSealedLog(String name) {
        var contents = dr.summit.repository.crypto.SealedLog.read(store.get(name), name, epoch -> dataKey(epoch, name));
        List<byte[]> plain = new ArrayList<>(contents.payloads().size());
        for (byte[] payload : contents.payloads()) {
            plain.add(payloads.decode(payload, name));
        }
        return plain;
    }

    /**
     * Re-encrypts a sealed log whose writer is gone under the current epoch, in place; returns
     * false if it already was. Callers make sure no process still appends to it (its lease).
     */
    public boolean resealLogUnderCurrentEpoch(String name) {
        byte[] log = store.get(name);
        int current = keyring().currentEpoch();
        var contents = dr.summit.repository.crypto.SealedLog.read(log, name, epoch -> dataKey(epoch, name));
        if (contents.epoch() == current) {
            return false;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(log.length);
        out.writeBytes(dr.summit.repository.crypto.SealedLog.header(current));
        long sequence = 0;
        for (byte[] payload : contents.payloads()) {
            out.writeBytes(dr.summit.repository.crypto.SealedLog.record(dataKey(current), current, name, sequence++, payload));
        }
        store.replace(name, out.toByteArray());
        return true;
    }

    private void writeSealed(String name, SealedObject.Kind kind, byte[] plain) {
        writeSealed(name, kind, plain, payloads);
    }

    private void writeSealed(String name, SealedObject.Kind kind, byte[] plain, PayloadCodec codec) {
        int epoch = keyring().currentEpoch();
        byte[] payload = codec.encode(plain, 0, plain.length);
        store.put(name, SealedObject.seal(dataKey(epoch), epoch, kind, name, payload));
    }

    public BlobSaver newBlobSaver(int uploadThreads) {
        checkKeysBeforeWrite();
        return new BlobSaver(this, uploadThreads);
    }

    /**
     * Loads a blob: finds its pack, decrypts, decompresses, and re-computes its id — a blob whose
     * content does not hash to its id is refused, whatever the pack claims.
     */
    public byte[] loadBlob(BlobType type, BlobId id) {
        BlobLocation location = locate(id);
        if (location == null) {
            List<String> damaged = damagedIndexNames();
            throw new CorruptObjectException("blob " + id.hex() + " (" + type.name().toLowerCase() + ") is in no readable index: "
                    + (damaged.isEmpty() ? "its pack is lost, or the index file that listed it (run 'summit-dr repair-index', then 'summit-dr verify')"
                    : damaged.size() + " index file(s) could not be read, e.g. " + damaged.get(0) + " (run 'summit-dr repair-index')"));
        }
        String pack = PackFormat.objectName(location.packId());
        try {
            return decodeBlob(type, id, location, store.getRange(pack, location.offset(), location.length()), 0);
        } catch (CorruptObjectException firstRead) {
            // Ranged reads carry no transport checksum (S3 verifies whole objects only): a body
            // damaged on the way fails authentication. Read once more before calling it damage.
            return decodeBlob(type, id, location, store.getRange(pack, location.offset(), location.length()), 0);
        }
    }

    /** Decrypts, decodes and checks one blob whose ciphertext is at {@code offset} in {@code buf}. */
    public byte[] decodeBlob(BlobType type, BlobId id, BlobLocation location, byte[] buf, int offset) {
        return decodeBlob(type, id, location, buf, offset, packKey(location));
    }

    /** The key of the pack that holds {@code location}: derive it once for many blobs of one pack. */
    public byte[] packKey(BlobLocation location) {
        return PackFormat.packKey(dataKey(location.epoch()), location.packId());
    }

    /**
     * Like {@link #decodeBlob(BlobType, BlobId, BlobLocation, byte[], int)} with the pack's key from
     * {@link #packKey(BlobLocation)}: a restore derives it once per range instead of once per blob.
     */
    public byte[] decodeBlob(BlobType type, BlobId id, BlobLocation location, byte[] buf, int offset, byte[] packKey) {
        if (location.type() != type) {
            throw new CorruptObjectException("blob " + id.shortHex() + " is a " + location.type() + " blob, expected " + type);
        }
        String where = "blob " + id.shortHex() + " in pack " + location.packHex();
        byte[] payload = PackReader.openBlob(packKey, location.packId(),
                new dr.summit.repository.pack.PackEntry(type, id, location.offset(), location.length()), buf, offset);
        byte[] plain = payloads.decode(payload, where);
        if (!hasher.id(type, plain).equals(id)) {
            throw new CorruptObjectException(where + ": content does not match its id");
        }
        return plain;
    }

    /**
     * Like {@link #decodeBlob(BlobType, BlobId, BlobLocation, byte[], int, byte[])}, decompressing into
     * {@code scratch} when it is large enough (a restore worker's buffer, reused for chunk after
     * chunk); the plain bytes are the first {@code length()} of the result's array, which is
     * {@code scratch} or a new one.
     */
    public PayloadCodec.Decoded decodeBlobInto(BlobType type, BlobId id, BlobLocation location, byte[] buf, int offset,
                                               byte[] packKey, byte[] scratch) {
        if (location.type() != type) {
            throw new CorruptObjectException("blob " + id.shortHex() + " is a " + location.type() + " blob, expected " + type);
        }
        String where = "blob " + id.shortHex() + " in pack " + location.packHex();
        byte[] payload = PackReader.openBlob(packKey, location.packId(),
                new dr.summit.repository.pack.PackEntry(type, id, location.offset(), location.length()), buf, offset);
        PayloadCodec.Decoded plain = payloads.decodeInto(payload, where, scratch);
        if (!hasher.id(type, plain.bytes(), 0, plain.length()).equals(id)) {
            throw new CorruptObjectException(where + ": content does not match its id");
        }
        return plain;
    }

    /**
     * Where to read a blob: the loaded index, else a pack a prune marked but has not deleted yet, or
     * an index file written since the index was loaded ({@link LateBlobs}); null when nowhere. For
     * readers only: deduplication asks {@link #index()}, never this.
     */
    public BlobLocation locate(BlobId id) {
        BlobLocation location = index.find(id);
        if (location != null) {
            return location;
        }
        location = lateBlobs.find(id);
        if (location == null && lateBlobs.refresh()) {
            location = index.find(id);
            if (location == null) {
                location = lateBlobs.find(id);
            }
        }
        return location;
    }

    /** Whether a reader can find the blob (see {@link #locate}). */
    public boolean isReadable(BlobId id) {
        return locate(id) != null;
    }

    private volatile LateBlobs lateBlobs = new LateBlobs(this);

    public List<Node> loadTree(BlobId id) {
        return TreeCodec.decode(loadBlob(BlobType.TREE, id), "tree " + id.shortHex());
    }

    /** Loads all parts of a directory and returns its entries in name order. */
    public List<Node> loadDirectory(List<BlobId> parts) {
        if (parts.size() == 1) {
            return loadTree(parts.get(0));
        }
        List<Node> all = new ArrayList<>();
        for (BlobId part : parts) {
            all.addAll(loadTree(part));
        }
        return all;
    }

    /**
     * A file's data chunks in order, reading its CHUNK_LIST blobs when the node refers to lists
     * (huge files) rather than to chunks directly.
     */
    public List<dr.summit.repository.tree.ChunkRef> fileChunks(Node file) {
        if (!file.indirectContent()) {
            return file.content();
        }
        List<dr.summit.repository.tree.ChunkRef> all = new ArrayList<>();
        for (dr.summit.repository.tree.ChunkRef list : file.content()) {
            List<dr.summit.repository.tree.ChunkRef> part = dr.summit.repository.tree.ContentLists.decode(
                    loadBlob(BlobType.CHUNK_LIST, list.id()), "chunk list " + list.id().shortHex());
            if (dr.summit.repository.tree.ContentLists.bytes(part) != list.length()) {
                throw new CorruptObjectException("chunk list " + list.id().shortHex() + " of '" + file.displayName()
                        + "' covers " + dr.summit.repository.tree.ContentLists.bytes(part) + " bytes, its reference says " + list.length());
            }
            all.addAll(part);
        }
        return all;
    }

    /** Commits a snapshot; returns it with its new id. */
    public Snapshot saveSnapshot(Snapshot snapshot) {
        if (lease != null) {
            lease.checkValid("the snapshot");
        }
        String id = randomHex();
        writeSealed("snapshots/" + id, SealedObject.Kind.SNAPSHOT, SnapshotCodec.encode(snapshot.withId(null)));
        return snapshot.withId(id);
    }

    public Snapshot loadSnapshot(String id) {
        String name = "snapshots/" + id;
        byte[] sealed = store.get(name);
        SealedObject.Header header = SealedObject.header(sealed, name);
        byte[] payload = SealedObject.open(dataKey(header.epoch(), name), SealedObject.Kind.SNAPSHOT, name, sealed);
        return SnapshotCodec.decode(payloads.decode(payload, name), id);
    }

    /**
     * Every readable snapshot, oldest first. An unreadable snapshot object is left out of this list
     * but never ignored: it is in {@link #unreadableSnapshots()}, and {@link #selectableSnapshots}
     * refuses to choose while one exists. Store errors (unreachable, permission denied) are thrown.
     */
    public List<Snapshot> listSnapshots() {
        List<Snapshot> all = new ArrayList<>();
        List<UnreadableSnapshot> unreadable = new ArrayList<>();
        for (String name : store.list("snapshots/")) {
            if (!isObjectName(name, "snapshots/")) {
                warnOnce(name, "ignoring " + store.location() + "/" + name + ": not a snapshot name (a stray copy?); 'summit-dr repair snapshots' moves it aside");
                continue;
            }
            try {
                all.add(loadSnapshot(name.substring("snapshots/".length())));
            } catch (ObjectNotFoundException forgotten) {
                // deleted by a concurrent forget after the listing
            } catch (dr.summit.repository.store.StoreException e) {
                throw e;
            } catch (RepositoryException e) {
                UnreadableSnapshot u = new UnreadableSnapshot(name, e.getMessage(), sealedByForeignKey(name));
                unreadable.add(u);
                if (u.foreign() || skipDamagedSnapshots) {
                    // skipped: say so now; a damaged one stops whatever would choose among snapshots instead
                    warnOnce(name, "snapshot " + u.describe() + " skipped");
                }
            }
        }
        synchronized (unreadableSnapshots) {
            unreadableSnapshots.clear();
            unreadableSnapshots.addAll(unreadable);
        }
        all.sort(Comparator.comparing(Snapshot::time).thenComparing(Snapshot::id));
        return all;
    }

    /**
     * Whether a sealed object names a data-key epoch that this repository's keyring does not hold
     * even after re-reading it: written with another repository's keys (a copied-in file), or a
     * header damaged exactly there. Callers treat both with the same caution.
     */
    private boolean sealedByForeignKey(String name) {
        try {
            int epoch = SealedObject.header(store.get(name), name).epoch();
            if (keys.keyring().hasEpoch(epoch)) {
                return false;
            }
            keys.refresh();
            return !keys.keyring().hasEpoch(epoch) && !keys.keyring().wasDestroyed(epoch);
        } catch (RepositoryException e) {
            return false;
        }
    }

    private final List<UnreadableSnapshot> unreadableSnapshots = new ArrayList<>();

    /** Snapshot objects the last {@link #listSnapshots()} could not read. */
    public List<UnreadableSnapshot> unreadableSnapshots() {
        synchronized (unreadableSnapshots) {
            return List.copyOf(unreadableSnapshots);
        }
    }

    /** Snapshot objects the last {@link #listSnapshots()} could not read, as one line each. */
    public List<String> damagedSnapshots() {
        return unreadableSnapshots().stream().map(UnreadableSnapshot::describe).toList();
    }

    private volatile boolean skipDamagedSnapshots;

    /**
     * The operator's explicit choice (--skip-damaged) to choose among the readable snapshots and
     * to let forget and prune run although some snapshot cannot be read.
     */
    public void skipDamagedSnapshots(boolean skip) {
        this.skipDamagedSnapshots = skip;
    }

    public boolean skipsDamagedSnapshots() {
        return skipDamagedSnapshots;
    }

    /**
     * The readable snapshots, for a command about to choose among them ({@code action} says what
     * for, in the error): fails naming every damaged snapshot, since the one it meant may be among
     * them, unless {@link #skipDamagedSnapshots} was chosen. Foreign objects (sealed by keys this
     * repository never had) only warn: they are not this repository's snapshots.
     */
    public List<Snapshot> selectableSnapshots(String action) {
        List<Snapshot> all = listSnapshots();
        List<UnreadableSnapshot> damaged = unreadableSnapshots().stream().filter(u -> !u.foreign()).toList();
        if (!damaged.isEmpty() && !skipDamagedSnapshots) {
            throw new DamagedSnapshotException(action, damaged);
        }
        return all;
    }

    /**
     * Fails before a command deletes anything while any snapshot object is unreadable, foreign ones
     * included (a damaged header looks foreign: its data must not be deleted on a guess), unless
     * {@link #skipDamagedSnapshots} was chosen. Returns the readable snapshots it listed.
     */
    public List<Snapshot> requireReadableSnapshots(String action) {
        List<Snapshot> all = listSnapshots();
        List<UnreadableSnapshot> unreadable = unreadableSnapshots();
        if (!unreadable.isEmpty() && !skipDamagedSnapshots) {
            throw new DamagedSnapshotException(action, unreadable);
        }
        return all;
    }

    /**
     * Resolves "latest", a full id or a unique id prefix (at least 4 hex digits) to a snapshot.
     * Fails while some snapshot is unreadable unless the operator chose to skip those.
     */
    public Snapshot findSnapshot(String ref) {
        if (!ref.equals("latest") && (ref.length() < 4 || !ref.matches("[0-9a-f]+"))) {
            throw new RepositoryException("invalid snapshot id '" + ref + "' (use 'latest' or at least 4 hex digits)");
        }
        List<Snapshot> all = selectableSnapshots("choose snapshot '" + ref + "'");
        if (ref.equals("latest")) {
            if (all.isEmpty()) {
                throw new dr.summit.repository.snapshot.SnapshotNotFoundException("repository at " + store.location() + " has no snapshots");
            }
            return all.get(all.size() - 1);
        }
        List<Snapshot> matches = all.stream().filter(s -> s.id().startsWith(ref)).toList();
        if (matches.isEmpty()) {
            for (UnreadableSnapshot damaged : unreadableSnapshots()) {
                if (damaged.id().startsWith(ref)) {
                    throw new CorruptObjectException("snapshot " + ref + " cannot be read: " + damaged.describe());
                }
            }
            throw new dr.summit.repository.snapshot.SnapshotNotFoundException("no snapshot " + ref + " in " + store.location());
        }
        if (matches.size() > 1) {
            throw new RepositoryException("snapshot id prefix " + ref + " is ambiguous (" + matches.size() + " matches)");
        }
        return matches.get(0);
    }

    private final java.util.Set<String> warnedAbout = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile java.util.function.Consumer<String> warningSink = w -> { };

    /** Where warnings go the moment they arise (the CLI prints them on stderr); once per object. */
    public void onWarning(java.util.function.Consumer<String> sink) {
        this.warningSink = sink;
        warnings.forEach(sink);
    }

    void warnOnce(String object, String warning) {
        if (warnedAbout.add(object)) {
            warnings.add(warning);
            warningSink.accept(warning);
        }
    }

    public void deleteSnapshot(String id) {
        store.delete("snapshots/" + id);
    }

    /** Whether {@code name} is PREFIX followed by 64 lower-case hex digits, as this format writes. */
    public static boolean isObjectName(String name, String prefix) {
        if (!name.startsWith(prefix) || name.length() != prefix.length() + 64) {
            return false;
        }
        for (int i = prefix.length(); i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    public static String randomHex() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    public ObjectStore store() {
        return store;
    }

    public RepositoryConfig config() {
        return config;
    }

    /**
     * The key of a data-key epoch. An epoch this process has not seen was started by another
     * process (a rotation) after we read the keyring: re-read it once before giving up.
     */
    public byte[] dataKey(int epoch) {
        if (!keys.keyring().hasEpoch(epoch)) {
            keys.refresh();
        }
        return keys.keyring().dataKey(epoch);
    }

    /**
     * The key of the epoch an object's own header or footer names. An epoch this repository never
     * had means the object is damaged (or a ranged read was corrupted in transit) or comes from
     * another repository: that is damage of the named object, reported as such (callers retry a
     * ranged read once, skip a damaged index file, list a damaged snapshot).
     */
    public byte[] dataKey(int epoch, String object) {
        if (!keys.keyring().hasEpoch(epoch)) {
            keys.refresh();
            if (!keys.keyring().hasEpoch(epoch) && !keys.keyring().wasDestroyed(epoch)) {
                throw new CorruptObjectException(object + ": sealed under data-key epoch " + dr.summit.repository.crypto.Keyring.epochHex(epoch)
                        + ", which this repository's keyring never had (damaged, or from another repository)");
            }
        }
        try {
            return keys.keyring().dataKey(epoch);
        } catch (CorruptObjectException e) {
            throw e;
        } catch (RepositoryException e) {
            throw new RepositoryException(object + ": " + e.getMessage());
        }
    }

    private static final long KEY_CHECK_INTERVAL_NANOS = 60_000_000_000L;
    private volatile long lastKeyCheck;
    private final List<String> keyNotices = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Called before writing: picks up rotations made by other processes (at most once a minute, one
     * LIST request) and applies the rotation policy, starting a new epoch when the current one is
     * older than the period. What happened is kept for {@link #keyNotices()}.
     */
    public synchronized void checkKeysBeforeWrite() {
        long now = System.nanoTime();
        if (lastKeyCheck != 0 && now - lastKeyCheck < KEY_CHECK_INTERVAL_NANOS) {
            return;
        }
        lastKeyCheck = now;
        keys.refresh();
        Keyring keyring = keys.keyring();
        if (keyring.rotationDue(Instant.now())) {
            long days = java.time.Duration.between(keyring.current().created(), Instant.now()).toDays();
            String old = keyring.current().hex();
            Keyring next = keys.rotate();
            keyNotices.add("data key epoch " + old + " was " + days + " days old (rotation period " + keyring.rotationDays()
                    + " days): started epoch " + next.current().hex());
        }
    }

    /** Key events of this process (automatic rotations), for the command's report. */
    public List<String> keyNotices() {
        return List.copyOf(keyNotices);
    }

    /** The keyring as last read (re-read after a rotation: see {@link #checkKeysBeforeWrite}). */
    public Keyring keyring() {
        return keys.keyring();
    }

    public KeyManager keys() {
        return keys;
    }

    public BlobHasher hasher() {
        return hasher;
    }

    public PayloadCodec payloads() {
        return payloads;
    }

    public Chunker chunker() {
        return chunker;
    }

    public BlobIndex index() {
        return index;
    }

    /** Id of the key slot this repository was opened with. */
    public String openedSlotId() {
        return keys.openedSlotId();
    }

    /**
     * Indexes packs that no index lists — left by a backup that crashed after storing packs but
     * before writing their index — from their own trailers, so their blobs are reused. Returns
     * the number of packs adopted. Unreadable packs are left for verify to report.
     */
    public int indexUnindexedPacks() {
        int adopted = 0;
        // Listed after the index was loaded: a pack prune marked before that is not adopted back
        // (docs/repository-format.md, "Prune").
        java.util.Set<String> marked = dr.summit.repository.maintenance.PruneMark.markedPacks(store);
        for (String name : store.list("data/")) {
            byte[] packId = PackFormat.idFromName(name);
            if (packId == null || index.containsPack(packId) || marked.contains(HexFormat.of().formatHex(packId))) {
                continue;
            }
            try {
                List<IndexEntry> entries = readPackTrailer(packId).indexEntries(packId);
                if (!entries.isEmpty()) {
                    writeIndexFile(entries);
                    index.add(entries);
                    adopted++;
                }
            } catch (dr.summit.repository.store.StoreException e) {
                throw e;
            } catch (RepositoryException e) {
                // Damaged, or another repository's pack: not ours to fix here (verify reports it,
                // repair-index moves it aside), and never a reason to fail a backup.
                unadoptablePacks.add(name);
                warnOnce(name, "pack " + store.location() + "/" + name + " not adopted: " + e.getMessage());
            }
        }
        return adopted;
    }

    private final List<String> unadoptablePacks = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Unindexed packs whose trailer {@link #indexUnindexedPacks} could not read (damaged or foreign). */
    public List<String> unadoptablePacks() {
        return List.copyOf(unadoptablePacks);
    }

    /** A pack's key epoch and blob list, as its own trailer states them. */
    public record PackListing(int epoch, List<dr.summit.repository.pack.PackEntry> entries) {
        /** The pack's blobs as index entries (re-indexing a pack from its own trailer). */
        public List<IndexEntry> indexEntries(byte[] packId) {
            List<IndexEntry> all = new ArrayList<>(entries.size());
            for (dr.summit.repository.pack.PackEntry e : entries) {
                all.add(new IndexEntry(e.id(), e.type(), packId, epoch, e.offset(), e.length()));
            }
            return all;
        }
    }

    /** Reads a pack's footer and trailer with two ranged reads. */
    public PackListing readPackTrailer(byte[] packId) {
        try {
            return readPackTrailerOnce(packId);
        } catch (CorruptObjectException firstRead) {
            return readPackTrailerOnce(packId);   // a ranged read damaged in transit (see loadBlob)
        }
    }

    private PackListing readPackTrailerOnce(byte[] packId) {
        String name = PackFormat.objectName(packId);
        long size = store.size(name);
        if (size < PackFormat.FOOTER_BYTES) {
            throw new CorruptObjectException(name + ": truncated to " + size + " bytes");
        }
        PackReader.Footer footer = PackReader.footer(store.getRange(name, size - PackFormat.FOOTER_BYTES, PackFormat.FOOTER_BYTES), name, size);
        long trailerOffset = size - PackFormat.FOOTER_BYTES - footer.trailerLength();
        byte[] trailer = store.getRange(name, trailerOffset, footer.trailerLength());
        return new PackListing(footer.epoch(),
                PackReader.trailer(dataKey(footer.epoch(), name), packId, trailer, (int) trailerOffset));
    }

    @Override
    public void close() {
        if (lease != null) {
            lease.close();
        }
        if (borrowsKeys) {
            return;
        }
        keys.close();
        store.close();
    }
}
