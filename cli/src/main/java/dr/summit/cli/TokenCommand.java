package dr.summit.cli;

import dr.summit.orchestrator.access.Role;
import dr.summit.orchestrator.audit.AuditLog;
import dr.summit.orchestrator.access.TokenRecord;
import dr.summit.orchestrator.access.Tokens;
import dr.summit.orchestrator.records.Records;
import dr.summit.repository.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "token", description = "API tokens of the orchestrator (roles viewer, operator, admin); only their SHA-256 is stored, in the repository.",
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
final class TokenCommand {
    @Command(name = "create", description = "Create a token and print it once (it is not stored and cannot be shown again).")
    static final class Create implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Spec CommandSpec spec;
        @Option(names = "--name", required = true, description = "Who or what uses it (letters, digits, . _ @ -).")
        String name;
        @Option(names = "--role", required = true, description = "viewer (GET), operator (backups, drills, dry runs) or admin (recoveries, audit).")
        String role;

        @Override
        public Integer call() {
            Role r;
            try {
                r = Role.parse(role);
            } catch (IllegalArgumentException e) {
                throw new CommandFailure("--role: " + e.getMessage(), ExitCodes.USAGE);
            }
            try (Repository repo = repository.openWithoutIndex()) {
                Tokens.Created created;
                try {
                    created = new Tokens(new Records(repo), Clock.systemUTC()).create(name, r);
                } catch (IllegalArgumentException e) {
                    throw new CommandFailure(e.getMessage(), ExitCodes.USAGE);
                }
                new AuditLog(new Records(repo), Clock.systemUTC()).append("cli:" + System.getProperty("user.name"), "admin", "token.create",
                        "token " + created.record().id() + " (" + name + ", " + r.label() + ")", "local", "created");
                PrintWriter out = spec.commandLine().getOut();
                if (output.json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", created.record().id());
                    m.put("name", created.record().name());
                    m.put("role", created.record().role());
                    m.put("token", created.token());
                    OutputOptions.printJson(out, m);
                } else {
                    out.println(created.token());
                    spec.commandLine().getErr().println("token " + created.record().id() + " (" + name + ", " + r.label()
                            + ") created; it is shown only now: keep it in a secret store");
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", description = "List tokens: id, name, role, created, revoked (never the token).")
    static final class ListTokens implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            try (Repository repo = repository.openWithoutIndex()) {
                Tokens tokens = new Tokens(new Records(repo), Clock.systemUTC());
                List<TokenRecord> all = tokens.list();
                PrintWriter out = spec.commandLine().getOut();
                if (output.json) {
                    OutputOptions.printJson(out, all.stream().map(t -> {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("id", t.id());
                        m.put("name", t.name());
                        m.put("role", t.role());
                        m.put("created", t.created().toString());
                        m.put("revoked", tokens.revoked(t.id()));
                        return m;
                    }).toList());
                } else {
                    for (TokenRecord t : all) {
                        out.printf("%s  %-20s %-8s %s%s%n", t.id(), t.name(), t.role(), t.created(), tokens.revoked(t.id()) ? "  revoked" : "");
                    }
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "revoke", description = "Revoke a token by id or name; servers refuse it from their next request.")
    static final class Revoke implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "ID|NAME")
        String token;

        @Override
        public Integer call() {
            try (Repository repo = repository.openWithoutIndex()) {
                TokenRecord revoked;
                try {
                    revoked = new Tokens(new Records(repo), Clock.systemUTC()).revoke(token);
                } catch (IllegalArgumentException e) {
                    throw new CommandFailure(e.getMessage(), ExitCodes.ERROR);
                }
                new AuditLog(new Records(repo), Clock.systemUTC()).append("cli:" + System.getProperty("user.name"), "admin", "token.revoke",
                        "token " + revoked.id() + " (" + revoked.name() + ")", "local", "revoked");
                spec.commandLine().getOut().println("revoked token " + revoked.id() + " (" + revoked.name() + ")");
            }
            return ExitCodes.OK;
        }
    }
}
