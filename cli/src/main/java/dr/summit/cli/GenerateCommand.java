package dr.summit.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.concurrent.Callable;

@Command(name = "generate", description = {"Write shell completion scripts and manual pages, generated from the commands themselves.",
        "The build writes them to cli/target/dist (completion/, man/man1/); docs/operations.md says where to install them."})
final class GenerateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--bash-completion", paramLabel = "FILE", description = "Write the bash completion script here.")
    Path bash;
    @Option(names = "--zsh-completion", paramLabel = "FILE", description = "Write the zsh completion script here (bash completion through bashcompinit).")
    Path zsh;
    @Option(names = "--man", paramLabel = "DIR", description = "Write one manual page per command (summit-dr.1, summit-dr-backup.1, ...) into DIR.")
    Path man;

    @Override
    public Integer call() throws IOException {
        if (bash == null && zsh == null && man == null) {
            throw new CommandFailure("say what to generate: --bash-completion FILE, --zsh-completion FILE or --man DIR", ExitCodes.USAGE);
        }
        CommandSpec root = spec.root();
        String script = AutoComplete.bash("summit-dr", root.commandLine());
        if (bash != null) {
            write(bash, script);
        }
        if (zsh != null) {
            write(zsh, "#compdef summit-dr\n# zsh runs the bash completion through bashcompinit\nautoload -U +X bashcompinit && bashcompinit\n" + script);
        }
        if (man != null) {
            Files.createDirectories(man);
            String date = System.getProperty("summit.build.date", LocalDate.now().toString());
            for (CommandSpec command : ManPages.allCommands(root)) {
                write(man.resolve(ManPages.fileName(command)), ManPages.page(command, "summit-dr " + Main.VERSION, date));
            }
        }
        return ExitCodes.OK;
    }

    private static void write(Path file, String text) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, ".generate", ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
