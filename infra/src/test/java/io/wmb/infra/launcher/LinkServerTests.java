package io.wmb.infra.launcher;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class LinkServerTests {

    @Test
    void shouldParseRoutesSeparatedByCommasAndLineBreaks() {
        assertThat(LinkServer.parse("13307=mysql-unicom:3306,\n 19122=collector-telecom:9122"))
            .containsExactly(new LinkServer.Route(13307, "mysql-unicom", 3306),
                    new LinkServer.Route(19122, "collector-telecom", 9122));
    }

    @Test
    void shouldNameTheRouteThatHasNoTarget() {
        assertThatIllegalArgumentException().isThrownBy(() -> LinkServer.parse("19122=collector-telecom"))
            .withMessageContaining("19122=collector-telecom");
    }

    @Test
    void shouldRefuseAnEmptyRouteList() {
        assertThatIllegalArgumentException().isThrownBy(() -> LinkServer.parse(" "))
            .withMessageContaining("WMB_LINK_ROUTES");
    }

}
