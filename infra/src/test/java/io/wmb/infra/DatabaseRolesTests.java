package io.wmb.infra;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DatabaseRolesTests {

    @Test
    void shouldCountAPositionAsCaughtUpOnlyWhenEveryDomainOfTheTargetIsReached() {
        assertThat(DatabaseRoles.contains("1-1-42,2-2-7", "1-1-42,2-2-7")).isTrue();
        assertThat(DatabaseRoles.contains("1-1-43,2-2-9", "1-1-42,2-2-7")).isTrue();
        assertThat(DatabaseRoles.contains("1-1-42", "1-1-42,2-2-7")).isFalse();
        assertThat(DatabaseRoles.contains("1-1-41,2-2-7", "1-1-42,2-2-7")).isFalse();
        assertThat(DatabaseRoles.contains("", "")).isTrue();
        assertThat(DatabaseRoles.contains(null, "2-2-1")).isFalse();
    }

    @Test
    void shouldPickOneDomainOfAPosition() {
        assertThat(DatabaseRoles.domain("1-1-42,2-2-7", 2)).contains("2-2-7");
        assertThat(DatabaseRoles.domain("1-1-42", 2)).isEmpty();
        assertThat(DatabaseRoles.domain("11-1-5", 1)).isEmpty();
    }

}
