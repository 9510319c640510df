package dr.summit.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * {@code --password-command}: the password comes from a program (a secret manager's CLI, {@code pass show},
 * a Vault agent), as restic does. Its stdout's first line is the password; its stderr goes to ours so its own
 * prompts and errors stay visible; a non-zero exit or an empty line is an error that names the option, never
 * the output.
 */
final class PasswordCommand {
    private static final long TIMEOUT_SECONDS = 120;
    private static final int MAX_BYTES = 64 * 1024;

    private PasswordCommand() {
    }

    static char[] run(String command, String source) {
        Process process;
        try {
            process = new ProcessBuilder("sh", "-c", command)
                    .redirectInput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
        } catch (IOException e) {
            throw new CommandFailure(source + ": cannot start sh: " + e.getMessage());
        }
        byte[] out = null;
        try (InputStream in = process.getInputStream()) {
            out = readLimited(in);
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new CommandFailure(source + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new CommandFailure(source + " failed with exit status " + process.exitValue());
            }
            String text = new String(out, StandardCharsets.UTF_8);
            String firstLine = text.lines().findFirst().orElse("");
            if (firstLine.isBlank()) {
                throw new CommandFailure(source + " printed an empty or whitespace-only first line; such a password is refused");
            }
            return firstLine.toCharArray();
        } catch (IOException e) {
            throw new CommandFailure(source + ": cannot read its output: " + e.getMessage());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CommandFailure(source + " was interrupted", ExitCodes.INTERRUPTED);
        } finally {
            SecretFiles.zero(out);
        }
    }

    private static byte[] readLimited(InputStream in) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        byte[] chunk = new byte[4096];
        for (int n; (n = in.read(chunk)) > 0; ) {
            if (buffer.size() + n > MAX_BYTES) {
                throw new CommandFailure("the password command printed more than 64 KiB; is it the right command?");
            }
            buffer.write(chunk, 0, n);
        }
        return buffer.toByteArray();
    }
}
