package dr.summit.repository.keys;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.WrongKeyException;
import dr.summit.repository.crypto.Credentials;
import dr.summit.repository.crypto.KeySlot;
import dr.summit.repository.crypto.Keyring;
import dr.summit.repository.crypto.SealedObject;
import dr.summit.repository.store.ObjectExistsException;
import dr.summit.repository.store.ObjectNotFoundException;
import dr.summit.repository.store.ObjectStore;
import dr.summit.repository.store.StoreException;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The key objects of a repository (docs/repository-format.md, "Keys"):
 * <pre>
 * keys/slots/SLOT                 a key slot (JSON; public half + for passphrases the sealed slot identity)
 * keys/keyring/GEN-RAND           a keyring generation, sealed under its own random keyring key
 * keys/wraps/GEN-RAND/SLOT        that keyring key encrypted to one slot's public half (age or OpenPGP)
 * keys/used/SLOT/YYYY-MM-DD       empty marker: the day a slot last opened the repository
 * </pre>
 * Every change (slot added, rotation, destruction) writes a <em>new</em> keyring generation under a
 * fresh keyring key, wraps it for every slot, then deletes the generations it replaced: all objects
 * stay write-once, a crash at any step leaves a generation every slot can open, and a removed slot
 * holder who kept a copy of {@code keys/} never learns a key created after the removal. Processes
 * that change keys at the same time each write a generation; readers open all they can and
 * {@link Keyring#merge merge} them.
 */
public final class KeyManager {
    public static final String SLOTS = "keys/slots/";
    public static final String KEYRINGS = "keys/keyring/";
    public static final String WRAPS = "keys/wraps/";
    public static final String USED = "keys/used/";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int OPEN_ATTEMPTS = 5;

    private final ObjectStore store;
    private final Credentials credentials;
    private volatile State state;

    /** What is open: the merged keyring, the generations it came from, the slot that opened them. */
    private record State(Keyring keyring, List<String> keyringNames, String slotId) {
    }

    /** A slot with when it was last used and, for a slot that cannot be read, why. */
    public record SlotInfo(KeySlot slot, LocalDate lastUsed, String damage) {
    }

    private KeyManager(ObjectStore store, Credentials credentials, State state) {
        this.store = store;
        this.credentials = credentials;
        this.state = state;
    }

    /** Writes the first generation and slot of a new repository. */
    public static KeyManager initialize(ObjectStore store, Keyring keyring, KeySlot first, Credentials credentials) {
        store.put(KeySlot.objectName(first.id()), first.toJson());
        KeyManager keys = new KeyManager(store, credentials, null);
        keys.state = new State(keyring, List.of(keys.writeGeneration(keyring)), first.id());
        keys.markUsed();
        return keys;
    }

    /** Opens the keyring with whatever slot the credentials open. */
    public static KeyManager open(ObjectStore store, Credentials credentials) {
        KeyManager keys = new KeyManager(store, credentials, null);
        keys.state = keys.load();
        keys.markUsed();
        return keys;
    }

    public Keyring keyring() {
        return state.keyring();
    }

    public String openedSlotId() {
        return state.slotId();
    }

    /**
     * Re-reads the keyring when another process changed it (a rotation): long-running writers call
     * this so they move to the new epoch and stop holding retired ones. Returns true if it changed.
     */
    public synchronized boolean refresh() {
        List<String> names = keyringNames();
        if (new HashSet<>(names).equals(new HashSet<>(state.keyringNames()))) {
            return false;
        }
        State next = load();
        boolean changed = next.keyring().currentEpoch() != state.keyring().currentEpoch()
                || !next.keyring().epochs().keySet().equals(state.keyring().epochs().keySet());
        state = next;
        return changed;
    }

    private State load() {
        for (int attempt = 1; ; attempt++) {
            try {
                return tryLoad();
            } catch (ObjectNotFoundException raced) {
                // Another process replaced a generation between our listing and our read.
                if (attempt == OPEN_ATTEMPTS) {
                    throw new RepositoryException("the keys of " + store.location() + " keep changing while opening ("
                            + raced.getMessage() + "); try again");
                }
            }
        }
    }

    private State tryLoad() {
        Map<String, SlotInfo> slots = readSlots();
        if (slots.isEmpty()) {
            throw new CorruptObjectException("repository at " + store.location() + " has no key slots under " + SLOTS);
        }
        Set<String> wraps = new HashSet<>(store.list(WRAPS));
        List<String> keyringNames = keyringNames();
        if (keyringNames.isEmpty()) {
            throw new CorruptObjectException("repository at " + store.location() + " has no keyring under " + KEYRINGS);
        }
        List<Keyring> opened = new ArrayList<>();
        List<String> openedNames = new ArrayList<>();
        String openedSlot = null;
        List<String> damagedKeyrings = new ArrayList<>();
        for (String name : keyringNames) {
            for (SlotInfo info : slots.values()) {
                KeySlot slot = info.slot();
                if (slot == null || !wraps.contains(wrapName(name, slot.id())) || !credentials.matches(slot)) {
                    continue;
                }
                String wrapName = wrapName(name, slot.id());
                byte[] keyringKey = credentials.unwrap(slot, store.get(wrapName));
                if (keyringKey == null) {
                    continue;
                }
                try {
                    opened.add(Keyring.decode(SealedObject.open(keyringKey, SealedObject.Kind.KEYRING, name, store.get(name)), name));
                    openedNames.add(name);
                    if (openedSlot == null) {
                        openedSlot = slot.id();
                    }
                } catch (CorruptObjectException e) {
                    damagedKeyrings.add(e.getMessage());
                } finally {
                    Arrays.fill(keyringKey, (byte) 0);
                }
                break;
            }
        }
        if (opened.isEmpty()) {
            if (!damagedKeyrings.isEmpty()) {
                throw new CorruptObjectException("the keyring of " + store.location() + " is damaged: " + damagedKeyrings.get(0));
            }
            if (!credentials.passphraseOpenedSlots().isEmpty()) {
                // The password is right (it opened a slot's identity), so what failed is the wrapped key.
                String slot = credentials.passphraseOpenedSlots().iterator().next();
                throw new CorruptObjectException("the password opens key slot " + slot + " of " + store.location()
                        + ", but its wrapped keyring key is damaged" + (credentials.problems().isEmpty() ? "" : " (" + credentials.problems().get(0) + ")")
                        + "; open the repository with another key slot, or restore keys/ from a copy");
            }
            long readablePassphraseSlots = slots.values().stream().filter(s -> s.slot() != null && KeySlot.PASSPHRASE.equals(s.slot().kind())).count();
            long damagedSlots = slots.values().stream().filter(s -> s.damage() != null).count();
            if (credentials.onlyPassphrase() && readablePassphraseSlots == 0 && damagedSlots > 0) {
                throw new CorruptObjectException("no passphrase key slot of " + store.location() + " can be read: " + damagedSlots
                        + " damaged (" + slots.values().stream().filter(s -> s.damage() != null).map(SlotInfo::damage).findFirst().orElse("")
                        + "); open with an age or OpenPGP slot, or restore keys/ from a copy");
            }
            throw new WrongKeyException(noSlotOpens(slots));
        }
        Keyring merged = Keyring.merge(opened);
        opened.forEach(Keyring::close);
        return new State(merged, openedNames, openedSlot);
    }

    private String noSlotOpens(Map<String, SlotInfo> slots) {
        long passphrase = slots.values().stream().filter(s -> s.slot() != null && KeySlot.PASSPHRASE.equals(s.slot().kind())).count();
        long damaged = slots.values().stream().filter(s -> s.damage() != null).count();
        StringBuilder why = new StringBuilder();
        if (credentials.onlyPassphrase()) {
            why.append("wrong password: none of the ").append(passphrase).append(" passphrase key slots of ")
                    .append(store.location()).append(" opens with it");
        } else {
            why.append("no key slot of ").append(store.location()).append(" opens with ").append(credentials.describe());
        }
        if (!credentials.problems().isEmpty()) {
            why.append(" (").append(credentials.problems().get(0)).append(')');
        }
        if (damaged > 0) {
            why.append(" (").append(damaged).append(" damaged slots skipped: ")
                    .append(String.join(", ", slots.values().stream().filter(s -> s.damage() != null).map(SlotInfo::damage).toList()))
                    .append(')');
        }
        return why.toString();
    }

    /** Slots by id; a damaged slot object has a null slot and a reason, so one bad object locks nobody out. */
    private Map<String, SlotInfo> readSlots() {
        Map<String, LocalDate> used = lastUsed();
        Map<String, SlotInfo> slots = new HashMap<>();
        for (String name : store.list(SLOTS)) {
            String id = name.substring(SLOTS.length());
            try {
                slots.put(id, new SlotInfo(KeySlot.fromJson(store.get(name), name), used.get(id), null));
            } catch (CorruptObjectException e) {
                slots.put(id, new SlotInfo(null, used.get(id), e.getMessage()));
            }
        }
        return slots;
    }

    private Map<String, LocalDate> lastUsed() {
        Map<String, LocalDate> used = new HashMap<>();
        for (String name : store.list(USED)) {
            String[] parts = name.substring(USED.length()).split("/");
            if (parts.length == 2) {
                try {
                    LocalDate day = LocalDate.parse(parts[1]);
                    used.merge(parts[0], day, (a, b) -> a.isAfter(b) ? a : b);
                } catch (java.time.format.DateTimeParseException ignored) {
                    // not ours
                }
            }
        }
        return used;
    }

    /** Slots in creation order; damaged ones last, with their reason. */
    public List<SlotInfo> slots() {
        List<SlotInfo> all = new ArrayList<>(readSlots().values());
        all.sort(Comparator.comparing((SlotInfo s) -> s.slot() == null ? Instant.MAX : s.slot().created())
                .thenComparing(s -> s.slot() == null ? "" : s.slot().id()));
        return all;
    }

    /** Adds a slot and gives it the keyring (a new generation wrapped for every slot). */
    public synchronized KeySlot addSlot(KeySlot slot) {
        store.put(KeySlot.objectName(slot.id()), slot.toJson());
        commit(state.keyring().withRotationDays(state.keyring().rotationDays()));
        return slot;
    }

    /**
     * Removes a slot (id or unique prefix) and its wraps. With {@code rotate}, a new epoch starts so
     * data written from now on is unreadable with the removed secret even to someone who kept a copy
     * of {@code keys/}. Refuses to remove the last slot that can open the repository.
     */
    public synchronized KeySlot removeSlot(String idPrefix, boolean rotate) {
        List<SlotInfo> all = slots();
        List<SlotInfo> matches = all.stream()
                .filter(s -> (s.slot() == null ? "" : s.slot().id()).startsWith(idPrefix)).toList();
        if (matches.size() != 1) {
            throw new RepositoryException(matches.isEmpty() ? "no key slot " + idPrefix + " in " + store.location()
                    : "key slot prefix " + idPrefix + " is ambiguous (" + matches.size() + " matches)");
        }
        KeySlot victim = matches.get(0).slot();
        long usable = all.stream().filter(s -> s.slot() != null).count();
        if (usable <= 1) {
            throw new RepositoryException("refusing to remove key slot " + victim.id()
                    + ": it is the only one that opens the repository (add another first)");
        }
        store.delete(KeySlot.objectName(victim.id()));
        for (String wrap : store.list(WRAPS)) {
            if (wrap.endsWith("/" + victim.id())) {
                store.delete(wrap);
            }
        }
        for (String used : store.list(USED + victim.id() + "/")) {
            store.delete(used);
        }
        commit(rotate ? state.keyring().rotate(Instant.now()) : state.keyring().withRotationDays(state.keyring().rotationDays()));
        return victim;
    }

    /** Starts a new epoch now; returns the new keyring. */
    public synchronized Keyring rotate() {
        return rotate(Instant.now());
    }

    /** Starts a new epoch dated {@code created} (tests of the rotation policy date it in the past). */
    public synchronized Keyring rotate(Instant created) {
        return commit(state.keyring().rotate(created));
    }

    /** Sets the rotation period (days) checked by every write. */
    public synchronized Keyring setRotationDays(int days) {
        return commit(state.keyring().withRotationDays(days));
    }

    /** Destroys the keys of the given retired epochs (after re-encryption left no object under them). */
    public synchronized Keyring destroyEpochs(List<Integer> epochs) {
        return commit(state.keyring().destroy(epochs, Instant.now()));
    }

    /**
     * Writes {@code next} as a new generation, wraps it for every slot, then deletes the generations
     * this process had merged. Other processes' generations written meanwhile are left alone: they
     * merge with ours on the next open.
     */
    private Keyring commit(Keyring next) {
        String name = writeGeneration(next);
        for (String old : state.keyringNames()) {
            for (String wrap : store.list(WRAPS + generationOf(old) + "/")) {
                store.delete(wrap);
            }
            store.delete(old);
        }
        // The previous keyring is not zeroed here: writers may still hold its data keys for packs
        // in flight. Its epochs are all in {@code next}, which close() zeroes.
        state = new State(next, List.of(name), state.slotId());
        return next;
    }

    private String writeGeneration(Keyring keyring) {
        byte[] keyringKey = new byte[32];
        RANDOM.nextBytes(keyringKey);
        byte[] suffix = new byte[8];
        RANDOM.nextBytes(suffix);
        String generation = HexFormat.of().toHexDigits(keyring.generation()) + "-" + HexFormat.of().formatHex(suffix);
        String name = KEYRINGS + generation;
        try {
            store.put(name, SealedObject.seal(keyringKey, 0, SealedObject.Kind.KEYRING, name, keyring.encode()));
            // List slots twice: a slot added while we wrapped (by a process that did not see this
            // generation yet) is wrapped on the second pass.
            Set<String> seen = new HashSet<>();
            for (int pass = 0; pass < 2; pass++) {
                for (String slotName : store.list(SLOTS)) {
                    if (!seen.add(slotName)) {
                        continue;   // wrapped in the first pass: only new slots are read again
                    }
                    KeySlot slot;
                    try {
                        slot = KeySlot.fromJson(store.get(slotName), slotName);
                    } catch (CorruptObjectException | ObjectNotFoundException unusable) {
                        continue;   // a damaged or just-removed slot gets no wrap
                    }
                    store.put(wrapName(name, slot.id()), slot.wrap(keyringKey));
                }
            }
        } finally {
            Arrays.fill(keyringKey, (byte) 0);
        }
        return name;
    }

    /** Records today's use of the opened slot; never fails the command (a read-only store is fine). */
    private void markUsed() {
        String day = LocalDate.now(ZoneOffset.UTC).toString();
        String marker = USED + state.slotId() + "/" + day;
        try {
            store.put(marker, new byte[0]);
            for (String older : store.list(USED + state.slotId() + "/")) {
                if (!older.equals(marker)) {
                    store.delete(older);
                }
            }
        } catch (ObjectExistsException alreadyToday) {
            // once a day is enough
        } catch (StoreException readOnly) {
            // last-used is informational
        }
    }

    /** Zeroes the keys and the credentials held for re-reading them. */
    public void close() {
        state.keyring().close();
        credentials.close();
    }

    private List<String> keyringNames() {
        List<String> names = new ArrayList<>(store.list(KEYRINGS));
        names.sort(Comparator.reverseOrder());   // newest generation first (hex, fixed width)
        return names;
    }

    static String wrapName(String keyringName, String slotId) {
        return WRAPS + generationOf(keyringName) + "/" + slotId;
    }

    private static String generationOf(String keyringName) {
        return keyringName.substring(KEYRINGS.length());
    }
}
