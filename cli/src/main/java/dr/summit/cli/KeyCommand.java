package dr.summit.cli;

import dr.summit.repository.Repository;
import dr.summit.repository.crypto.Argon2Params;
import dr.summit.repository.crypto.KeySlot;
import dr.summit.repository.crypto.Keyring;
import dr.summit.repository.keys.EpochUsage;
import dr.summit.repository.keys.KeyManager;
import dr.summit.repository.keys.Reencryptor;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "key", description = "Manage key slots and data-key epochs: each slot opens the repository with its own secret.",
        subcommands = {KeyCommand.Add.class, KeyCommand.ListSlots.class, KeyCommand.Remove.class, KeyCommand.Passwd.class,
                KeyCommand.Rotate.class, KeyCommand.Status.class})
final class KeyCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The new passphrase for add/passwd. */
    static final class NewPassword {
        @Option(names = "--new-password-file", paramLabel = "FILE", description = "Read the new password from FILE (mode 600).")
        Path file;
        @Option(names = "--kdf-memory-kib", defaultValue = "65536", description = "Argon2id memory (default ${DEFAULT-VALUE}).")
        int kdfMemory;
        @Option(names = "--kdf-iterations", defaultValue = "3", description = "Argon2id iterations (default ${DEFAULT-VALUE}).")
        int kdfIterations;

        char[] read() {
            return file != null ? RepositoryOptions.readSecretFile(file, "new password file")
                    : RepositoryOptions.prompt("New password: ", true);
        }

        Argon2Params params() {
            return new Argon2Params(kdfMemory, kdfIterations, 2);
        }
    }

    /** What kind of slot {@code key add} creates. */
    static final class NewSlotKind {
        @Option(names = "--age-recipient", paramLabel = "age1…", description = "Add a slot that opens with this age recipient's identity.")
        String ageRecipient;
        @Option(names = "--pgp-key", paramLabel = "FILE", description = "Add a slot that opens with this OpenPGP certificate's secret key.")
        Path pgpKey;
    }

    @Command(name = "add", description = "Add a key slot: a passphrase (default), an age recipient or an OpenPGP public key.")
    static final class Add implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Mixin NewPassword newPassword;
        @ArgGroup(exclusive = true) NewSlotKind kind;
        @Spec CommandSpec spec;
        @Option(names = "--label", description = "A note to tell slots apart, e.g. the holder's name.") String label;

        @Override
        public Integer call() {
            KeySlot slot = newSlot();
            try (Repository repo = repository.openWithoutIndex()) {
                repo.keys().addSlot(slot);
                print(spec.commandLine().getOut(), output.json, "added " + slot.kind() + " key slot " + slot.id(), slot);
            }
            return ExitCodes.OK;
        }

        private KeySlot newSlot() {
            Instant now = Instant.now();
            try {
                if (kind != null && kind.ageRecipient != null) {
                    return KeySlot.age(kind.ageRecipient.trim(), label, now);
                }
                if (kind != null && kind.pgpKey != null) {
                    return KeySlot.pgp(Files.readAllBytes(kind.pgpKey), label, now);
                }
            } catch (IllegalArgumentException e) {
                throw new CommandFailure(e.getMessage(), ExitCodes.USAGE);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new CommandFailure("OpenPGP key file " + kind.pgpKey + " does not exist", ExitCodes.USAGE);
            } catch (IOException e) {
                throw new CommandFailure("cannot read OpenPGP key file " + kind.pgpKey + ": " + e.getMessage());
            }
            char[] secret = newPassword.read();
            try {
                return KeySlot.passphrase(secret, newPassword.params(), label, now);
            } finally {
                SecretFiles.zero(secret);
            }
        }
    }

    @Command(name = "list", description = "List key slots: kind, holder (age recipient or OpenPGP fingerprint), created, last used.")
    static final class ListSlots implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Repository repo = repository.openWithoutIndex()) {
                List<KeyManager.SlotInfo> slots = repo.keys().slots();
                if (output.json) {
                    OutputOptions.printJson(out, slots.stream().map(s -> json(s, repo.openedSlotId())).toList());
                } else {
                    out.printf("  %-16s  %-10s  %-20s  %-10s  %-16s  %s%n", "ID", "KIND", "CREATED", "LAST USED", "LABEL", "HOLDER");
                    for (KeyManager.SlotInfo info : slots) {
                        KeySlot s = info.slot();
                        if (s == null) {
                            out.printf("  %s%n", "damaged: " + info.damage());
                            continue;
                        }
                        out.printf("%s %-16s  %-10s  %-20s  %-10s  %-16s  %s%n", s.id().equals(repo.openedSlotId()) ? "*" : " ", s.id(),
                                s.kind(), s.created().toString().substring(0, 19), info.lastUsed() == null ? "-" : info.lastUsed(),
                                s.label() == null ? "" : s.label(), s.publicName());
                    }
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "remove", description = "Remove a key slot (never the last one) and start a new data-key epoch, "
            + "so the removed secret cannot read anything written from now on. Run 'key rotate --reencrypt' to also cut it off older data.")
    static final class Remove implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "ID", description = "Slot id or unique prefix.") String id;
        @Option(names = "--no-rotate", description = "Do not start a new epoch (only for removing a slot that never left your hands).")
        boolean noRotate;

        @Override
        public Integer call() {
            try (Repository repo = repository.openWithoutIndex()) {
                KeySlot removed = repo.keys().removeSlot(id, !noRotate);
                String text = "removed key slot " + removed.id()
                        + (noRotate ? "" : "; started data-key epoch " + repo.keyring().current().hex());
                print(spec.commandLine().getOut(), output.json, text, removed);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "passwd", description = "Change the password of the passphrase slot used to open the repository.")
    static final class Passwd implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Mixin NewPassword newPassword;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            try (Repository repo = repository.openWithoutIndex()) {
                String old = repo.openedSlotId();
                KeySlot current = repo.keys().slots().stream().map(KeyManager.SlotInfo::slot)
                        .filter(s -> s != null && s.id().equals(old)).findFirst().orElseThrow();
                if (!KeySlot.PASSPHRASE.equals(current.kind())) {
                    throw new CommandFailure("key slot " + old + " is an " + current.kind() + " slot; passwd changes passphrase slots", ExitCodes.USAGE);
                }
                char[] secret = newPassword.read();
                KeySlot slot;
                try {
                    slot = KeySlot.passphrase(secret, newPassword.params(), current.label(), Instant.now());
                } finally {
                    SecretFiles.zero(secret);
                }
                // Add first, then remove: a crash in between leaves both passwords working, never none.
                repo.keys().addSlot(slot);
                repo.keys().removeSlot(old, false);
                print(spec.commandLine().getOut(), output.json, "password changed: key slot " + old + " replaced by " + slot.id(), slot);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "rotate", description = "Start a new data-key epoch now (no data is rewritten; older epochs stay readable). "
            + "With --reencrypt, rewrite everything under the retired epochs with the new key, then destroy their keys.")
    static final class Rotate implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Spec CommandSpec spec;
        @Option(names = "--period", paramLabel = "DAYS",
                description = "Also set the rotation period checked by every write (default 90 days).")
        Integer periodDays;
        @Option(names = "--reencrypt", description = "Re-encrypt the data of all retired epochs under the current key and destroy the retired keys "
                + "(revocation: afterwards an old key opens nothing). Resumable; runs while backups run.")
        boolean reencrypt;
        @Option(names = "--no-new-epoch", description = "With --reencrypt: do not start another epoch first (resume an interrupted re-encryption).")
        boolean noNewEpoch;

        @Override
        public Integer call() throws InterruptedException {
            if (noNewEpoch && !reencrypt) {
                throw new CommandFailure("--no-new-epoch only goes with --reencrypt", ExitCodes.USAGE);
            }
            PrintWriter out = spec.commandLine().getOut();
            try (Repository repo = reencrypt ? repository.open() : repository.openWithoutIndex()) {
                String old = repo.keyring().current().hex();
                long start = System.nanoTime();
                if (periodDays != null) {
                    if (periodDays < 1 || periodDays > 65535) {
                        throw new CommandFailure("--period must be 1..65535 days, got " + periodDays, ExitCodes.USAGE);
                    }
                    repo.keys().setRotationDays(periodDays);
                }
                Keyring next = noNewEpoch ? repo.keyring() : repo.keys().rotate();
                long millis = (System.nanoTime() - start) / 1_000_000;
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("previousEpoch", old);
                m.put("currentEpoch", next.current().hex());
                m.put("rotationDays", next.rotationDays());
                m.put("millis", millis);
                Reencryptor.Result result = reencrypt ? new Reencryptor(repo).run() : null;
                if (result != null) {
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("retiredEpochs", result.retiredEpochs().stream().map(Keyring::epochHex).toList());
                    r.put("packsRewritten", result.packsRewritten());
                    r.put("bytesRewritten", result.bytesRewritten());
                    r.put("sealedObjectsRewritten", result.sealedObjectsRewritten());
                    r.put("destroyedEpochs", result.destroyedEpochs().stream().map(Keyring::epochHex).toList());
                    r.put("complete", result.complete());
                    r.put("blockers", result.blockers());
                    r.put("millis", result.millis());
                    m.put("reencryption", r);
                }
                m.put("requests", repo.store().stats().snapshot());
                if (output.json) {
                    OutputOptions.printJson(out, m);
                } else {
                    if (!noNewEpoch) {
                        out.printf("started data-key epoch %s (epoch %s retired, still readable) in %d ms%n", next.current().hex(), old, millis);
                    }
                    if (result != null) {
                        out.printf("re-encrypted %d packs (%s) and %d sealed objects in %s%n", result.packsRewritten(),
                                Sizes.bytes(result.bytesRewritten()), result.sealedObjectsRewritten(), Sizes.duration(result.millis()));
                        if (result.complete()) {
                            out.printf("destroyed the keys of %d retired epochs: no old key opens anything in this repository any more%n",
                                    result.destroyedEpochs().size());
                        } else {
                            result.blockers().forEach(b -> out.println("not yet destroyed: " + b));
                            out.println("run 'summit-dr key rotate --reencrypt --no-new-epoch' again later to finish");
                        }
                    }
                }
                return result == null || result.complete() ? ExitCodes.OK : ExitCodes.PARTIAL;
            }
        }
    }

    @Command(name = "status", description = "Current epoch, its age, days until the next rotation, and the data each epoch still holds.")
    static final class Status implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Spec CommandSpec spec;
        @Option(names = "--scan", description = "Also read the header of every sealed object (snapshots, index, WAL) to count them per epoch.")
        boolean scan;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Repository repo = repository.open()) {
                Keyring keyring = repo.keyring();
                Instant now = Instant.now();
                EpochUsage usage = EpochUsage.of(repo, scan);
                Keyring.Epoch current = keyring.current();
                long ageDays = Duration.between(current.created(), now).toDays();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("currentEpoch", current.hex());
                m.put("currentEpochCreated", current.created().toString());
                m.put("currentEpochAgeDays", ageDays);
                m.put("rotationDays", keyring.rotationDays());
                m.put("daysUntilRotation", Math.max(0, keyring.rotationDays() - ageDays));
                List<Map<String, Object>> epochs = new ArrayList<>();
                for (Keyring.Epoch e : keyring.epochs().values()) {
                    Map<String, Object> em = new LinkedHashMap<>();
                    em.put("id", e.hex());
                    em.put("created", e.created().toString());
                    em.put("current", e.id() == keyring.currentEpoch());
                    em.put("packs", usage.packs(e.id()));
                    em.put("packBytes", usage.packBytes(e.id()));
                    if (scan) {
                        em.put("sealedObjects", usage.sealedObjects(e.id()));
                    }
                    epochs.add(em);
                }
                m.put("epochs", epochs);
                m.put("destroyedEpochs", keyring.destroyed().values().stream().map(d -> OutputOptions.object("id", Keyring.epochHex(d.id()),
                        "destroyed", d.destroyedAt().toString())).toList());
                m.put("requests", repo.store().stats().snapshot());
                if (output.json) {
                    OutputOptions.printJson(out, m);
                } else {
                    out.printf("current epoch %s, created %s (%d days ago); rotation every %d days, next in %d days%n",
                            current.hex(), current.created(), ageDays, keyring.rotationDays(), Math.max(0, keyring.rotationDays() - ageDays));
                    for (Keyring.Epoch e : keyring.epochs().values()) {
                        out.printf("  epoch %s  %-8s  created %s  %d packs, %s%s%n", e.hex(), e.id() == keyring.currentEpoch() ? "current" : "retired",
                                e.created(), usage.packs(e.id()), Sizes.bytes(usage.packBytes(e.id())),
                                scan ? ", " + usage.sealedObjects(e.id()) + " sealed objects" : "");
                    }
                    keyring.destroyed().values().forEach(d -> out.printf("  epoch %s  destroyed %s%n", Keyring.epochHex(d.id()), d.destroyedAt()));
                }
            }
            return ExitCodes.OK;
        }
    }

    static Map<String, Object> json(KeyManager.SlotInfo info, String openedSlot) {
        Map<String, Object> m = new LinkedHashMap<>();
        KeySlot s = info.slot();
        if (s == null) {
            m.put("damaged", info.damage());
            return m;
        }
        m.putAll(json(s, openedSlot));
        m.put("lastUsed", info.lastUsed() == null ? null : info.lastUsed().toString());
        return m;
    }

    static Map<String, Object> json(KeySlot s, String openedSlot) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("kind", s.kind());
        m.put("created", s.created().toString());
        m.put("label", s.label());
        m.put("current", s.id().equals(openedSlot));
        if (s.recipient() != null) {
            m.put("recipient", s.recipient());
        }
        if (s.fingerprint() != null) {
            m.put("fingerprint", s.fingerprint());
        }
        if (s.kdf() != null) {
            m.put("kdf", OutputOptions.object("algorithm", s.kdf().algorithm(), "memoryKiB", s.kdf().memoryKiB(),
                    "iterations", s.kdf().iterations(), "parallelism", s.kdf().parallelism()));
        }
        return m;
    }

    private static void print(PrintWriter out, boolean json, String text, KeySlot slot) {
        if (json) {
            OutputOptions.printJson(out, json(slot, null));
        } else {
            out.println(text);
        }
    }
}
