package dr.summit.cli;

import dr.summit.repository.Repository;
import dr.summit.repository.crypto.Argon2Params;
import dr.summit.repository.crypto.KeySlot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "key", description = "Manage key slots: each slot opens the repository with its own secret.",
        subcommands = {KeyCommand.Add.class, KeyCommand.ListSlots.class, KeyCommand.Remove.class, KeyCommand.Passwd.class})
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

    @Command(name = "add", description = "Add a passphrase key slot.")
    static final class Add implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Mixin NewPassword newPassword;
        @Spec CommandSpec spec;
        @Option(names = "--label", description = "A note to tell slots apart, e.g. the holder's name.") String label;

        @Override
        public Integer call() {
            try (Repository repo = repository.openWithoutIndex()) {
                KeySlot slot = repo.addPassphraseSlot(newPassword.read(), newPassword.params(), label);
                print(spec.commandLine().getOut(), output.json, "added key slot " + slot.id(), slot);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", description = "List key slots.")
    static final class ListSlots implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Repository repo = repository.openWithoutIndex()) {
                List<KeySlot> slots = repo.keySlots();
                if (output.json) {
                    OutputOptions.printJson(out, slots.stream().map(s -> json(s, repo.openedSlotId())).toList());
                } else {
                    out.printf("  %-16s  %-10s  %-20s  %s%n", "ID", "KIND", "CREATED", "LABEL");
                    for (KeySlot s : slots) {
                        out.printf("%s %-16s  %-10s  %-20s  %s%n", s.id().equals(repo.openedSlotId()) ? "*" : " ", s.id(), s.kind(),
                                s.created().toString().substring(0, 19), s.label() == null ? "" : s.label());
                    }
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "remove", description = "Remove a key slot (never the last one).")
    static final class Remove implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "ID", description = "Slot id or unique prefix.") String id;

        @Override
        public Integer call() {
            try (Repository repo = repository.openWithoutIndex()) {
                KeySlot removed = repo.removeSlot(id);
                print(spec.commandLine().getOut(), output.json, "removed key slot " + removed.id(), removed);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "passwd", description = "Change the password of the slot used to open the repository.")
    static final class Passwd implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Mixin NewPassword newPassword;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            try (Repository repo = repository.openWithoutIndex()) {
                String old = repo.openedSlotId();
                KeySlot label = repo.keySlots().stream().filter(s -> s.id().equals(old)).findFirst().orElseThrow();
                // Add first, then remove: a crash in between leaves both passwords working, never none.
                KeySlot slot = repo.addPassphraseSlot(newPassword.read(), newPassword.params(), label.label());
                repo.removeSlot(old);
                print(spec.commandLine().getOut(), output.json, "password changed: key slot " + old + " replaced by " + slot.id(), slot);
            }
            return ExitCodes.OK;
        }
    }

    static Map<String, Object> json(KeySlot s, String openedSlot) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("kind", s.kind());
        m.put("created", s.created().toString());
        m.put("label", s.label());
        m.put("current", s.id().equals(openedSlot));
        if (s.kdf() != null) {
            m.put("kdf", Map.of("algorithm", s.kdf().algorithm(), "memoryKiB", s.kdf().memoryKiB(),
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
