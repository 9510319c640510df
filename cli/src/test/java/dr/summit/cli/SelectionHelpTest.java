package dr.summit.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The help pages of the commands with selection and retention options render without picocli warnings. */
class SelectionHelpTest {
    @Test
    void helpPagesRenderCleanly() {
        for (String command : new String[]{"backup", "restore", "forget", "tag", "snapshots", "ls", "diff"}) {
            CliTestSupport.Run r = CliTestSupport.run(command, "--help");
            assertThat(r.exit()).as(command).isZero();
            assertThat(r.out() + r.err()).as(command).doesNotContain("WARN").contains("Usage:");
        }
        assertThat(CliTestSupport.run("forget", "--help").out()).contains("--keep-within-monthly", "--group-by", "--host", "m MONTHS");
        assertThat(CliTestSupport.run("backup", "--help").out()).contains("--exclude-caches", "--one-file-system", "--dry-run", "--stdin-from-command");
    }
}
