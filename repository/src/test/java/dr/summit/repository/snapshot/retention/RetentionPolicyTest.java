package dr.summit.repository.snapshot.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class RetentionPolicyTest {

    @Test
    void builderSetsEveryRule() {
        RetentionPolicy policy = RetentionPolicy.builder()
                .keepLast(1).keepHourly(2).keepDaily(3).keepWeekly(4).keepMonthly(5).keepYearly(-1)
                .keepWithin(Duration.ofDays(7))
                .keepTags("b", "a")
                .build();

        assertThat(policy).isEqualTo(
                new RetentionPolicy(1, 2, 3, 4, 5, -1, Duration.ofDays(7), Set.of("a", "b")));
        assertThat(policy.keepTags()).containsExactly("a", "b");
        assertThat(policy.isEmpty()).isFalse();
    }

    @Test
    void nothingSetIsEmpty() {
        assertThat(RetentionPolicy.builder().build().isEmpty()).isTrue();
        assertThat(new RetentionPolicy(0, 0, 0, 0, 0, 0, null, null).isEmpty()).isTrue();
    }

    @Test
    void zeroWithinMeansNotUsed() {
        RetentionPolicy policy = RetentionPolicy.builder().keepWithin(Duration.ZERO).build();

        assertThat(policy.keepWithin()).isNull();
        assertThat(policy.isEmpty()).isTrue();
    }

    @Test
    void anySingleRuleMakesItNonEmpty() {
        assertThat(RetentionPolicy.builder().keepLast(1).build().isEmpty()).isFalse();
        assertThat(RetentionPolicy.builder().keepHourly(-1).build().isEmpty()).isFalse();
        assertThat(RetentionPolicy.builder().keepDaily(1).build().isEmpty()).isFalse();
        assertThat(RetentionPolicy.builder().keepWeekly(1).build().isEmpty()).isFalse();
        assertThat(RetentionPolicy.builder().keepMonthly(1).build().isEmpty()).isFalse();
        assertThat(RetentionPolicy.builder().keepYearly(1).build().isEmpty()).isFalse();
        assertThat(RetentionPolicy.builder().keepWithin(Duration.ofNanos(1)).build().isEmpty()).isFalse();
        assertThat(RetentionPolicy.builder().keepTags("x").build().isEmpty()).isFalse();
    }

    @Test
    void countsBelowMinusOneAreRejectedNamingTheField() {
        Map<String, IntFunction<RetentionPolicy>> fields = Map.of(
                "keepLast", n -> RetentionPolicy.builder().keepLast(n).build(),
                "keepHourly", n -> RetentionPolicy.builder().keepHourly(n).build(),
                "keepDaily", n -> RetentionPolicy.builder().keepDaily(n).build(),
                "keepWeekly", n -> RetentionPolicy.builder().keepWeekly(n).build(),
                "keepMonthly", n -> RetentionPolicy.builder().keepMonthly(n).build(),
                "keepYearly", n -> RetentionPolicy.builder().keepYearly(n).build());

        fields.forEach((name, build) -> {
            assertThatThrownBy(() -> build.apply(-2))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(name)
                    .hasMessageContaining("-1 (unlimited)")
                    .hasMessageEndingWith("was -2");
            assertThatThrownBy(() -> build.apply(Integer.MIN_VALUE))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(name);
            assertThat(build.apply(-1).isEmpty()).isFalse();
        });
    }

    @Test
    void negativeWithinIsRejected() {
        assertThatThrownBy(() -> RetentionPolicy.builder().keepWithin(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keepWithin");
    }

    @Test
    void nullOrBlankTagsAreRejected() {
        Set<String> withNull = new HashSet<>();
        withNull.add(null);

        assertThatThrownBy(() -> RetentionPolicy.builder().keepTags(" ").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keepTags");
        assertThatThrownBy(() -> RetentionPolicy.builder().keepTags(withNull))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keepTags");
        assertThatThrownBy(() -> new RetentionPolicy(1, 0, 0, 0, 0, 0, null, withNull))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keepTags");
    }

    @Test
    void tagsAreCopiedAndUnmodifiable() {
        Set<String> tags = new HashSet<>(Set.of("a"));
        RetentionPolicy policy = new RetentionPolicy(0, 0, 0, 0, 0, 0, null, tags);
        tags.add("b");

        assertThat(policy.keepTags()).containsExactly("a");
        assertThatThrownBy(() -> policy.keepTags().add("c")).isInstanceOf(UnsupportedOperationException.class);
    }
}
