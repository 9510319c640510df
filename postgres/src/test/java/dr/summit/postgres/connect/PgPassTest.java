package dr.summit.postgres.connect;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PgPassTest {
    @Test
    void firstMatchingLineWinsAndStarMatchesAnything() {
        PgPass p = PgPass.parse("""
                # comment
                db1:5432:sales:alice:first
                *:*:*:alice:fallback
                db1:5432:sales:alice:never
                """);
        assertThat(p.find("db1", "5432", "sales", "alice")).contains("first");
        assertThat(p.find("db2", "6543", "other", "alice")).contains("fallback");
        assertThat(p.find("db1", "5432", "sales", "bob")).isEmpty();
    }

    @Test
    void backslashEscapesColonsBackslashesAndStars() {
        PgPass p = PgPass.parse("""
                /tmp/a\\:b:5432:*:u:p\\:w\\\\d:ignored
                \\*:5432:*:u:literal-star
                *:5432:*:u:wild
                """);
        assertThat(p.find("/tmp/a:b", "5432", "db", "u")).contains("p:w\\d");
        assertThat(p.find("*", "5432", "db", "u")).contains("literal-star");
        assertThat(p.find("other", "5432", "db", "u")).contains("wild");
    }

    @Test
    void shortAndCommentLinesNeverMatch() {
        PgPass p = PgPass.parse("#h:5432:d:u:commented\nh:5432:d\n\nh:5432:d:u:\n");
        assertThat(p.find("#h", "5432", "d", "u")).isEmpty();
        assertThat(p.find("h", "5432", "d", "u")).contains("");
    }

    @Test
    void starInsideAFieldIsLiteral() {
        PgPass p = PgPass.parse("db*:5432:*:u:x\n");
        assertThat(p.find("db1", "5432", "d", "u")).isEmpty();
        assertThat(p.find("db*", "5432", "d", "u")).contains("x");
    }
}
