package io.wmb.processor.ops;

import java.time.Clock;
import java.time.Duration;

import io.wmb.processor.config.JsonConfiguration;
import io.wmb.processor.config.ProcessorProperties;
import io.wmb.processor.version.RequestIds;
import io.wmb.processor.web.ProblemHandler;
import io.wmb.processor.web.WebConfiguration;
import io.wmb.processor.topology.Topology;

import io.wmb.processor.store.PostStore;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

@WebMvcTest(DatabaseOwnerController.class)
@Import({ DatabaseOwnerControllerTests.Beans.class, JsonConfiguration.class, WebConfiguration.class,
        ProblemHandler.class })
class DatabaseOwnerControllerTests {

    @Autowired
    private MockMvc mvc;

    @Autowired
    private MasterOwnership ownership;

    @MockitoBean
    private PostStore store;

    @TestConfiguration(proxyBeanMethods = false)
    static class Beans {

        @Bean
        MasterOwnership masterOwnership() {
            return new MasterOwnership(false);
        }

        @Bean
        RequestIds requestIds() {
            return new RequestIds(Clock.systemUTC(), "telecom");
        }

        @Bean
        ProcessorProperties processorProperties() {
            return new ProcessorProperties("telecom", false,
                    new ProcessorProperties.Grpc(0, DataSize.ofMegabytes(4)),
                    new ProcessorProperties.Reship("localhost:1", Duration.ofSeconds(1), 10, 1),
                    new ProcessorProperties.Redis("redis://127.0.0.1:1", 1, Duration.ofSeconds(1)),
                    new ProcessorProperties.Cache(Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofSeconds(1)),
                    new ProcessorProperties.Api(2000, DataSize.ofKilobytes(16), 100),
                    new ProcessorProperties.Idempotency(Duration.ofHours(1)),
                    new ProcessorProperties.ProcessingLog("http://127.0.0.1:1", "target/unused"),
                    new ProcessorProperties.Recovery(Duration.ofSeconds(10), Duration.ofSeconds(5)),
                    "test-operator-token", Topology.INDEPENDENT, new ProcessorProperties.PeerCache(
                            "redis://127.0.0.1:1", Duration.ofMillis(100), Duration.ofSeconds(1)),
                    new ProcessorProperties.Node(0, "test", Duration.ofSeconds(15)));
        }

    }

    @Test
    void shouldTakeOverTheMasterForAFailover() throws Exception {
        mvc.perform(get("/ops/database-owner"))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.datacenter").value("telecom"))
            .andExpect(jsonPath("$.ownsMaster").value(false));
        mvc.perform(put("/ops/database-owner").header("Authorization", "Bearer test-operator-token").contentType(MediaType.APPLICATION_JSON).content("{\"ownsMaster\": true}"))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.ownsMaster").value(true));
        assertThat(ownership.ownsMaster()).isTrue();
        // What this datacenter wrote to its cache only, while it was not the owner, goes into MySQL now.
        verify(store, times(1)).adoptCache();
        mvc.perform(put("/ops/database-owner").header("Authorization", "Bearer test-operator-token")
            .contentType(MediaType.APPLICATION_JSON)
            .content("{\"ownsMaster\": true}")).andExpect(status().isOk());
        // A repeated call copies again (a retry after a failed copy); newer version wins, so that is harmless.
        verify(store, times(2)).adoptCache();
    }

    @Test
    void shouldRefuseAChangeWithoutTheOperatorToken() throws Exception {
        mvc.perform(put("/ops/database-owner").contentType(MediaType.APPLICATION_JSON).content("{\"ownsMaster\": true}"))
            .andExpect(status().isUnauthorized())
            .andExpect(header().string("WWW-Authenticate", "Bearer"))
            .andExpect(jsonPath("$.detail").value(
                    "Changing the database owner needs Authorization: Bearer <operator token>"));
        mvc.perform(put("/ops/database-owner").header("Authorization", "Bearer wrong")
            .contentType(MediaType.APPLICATION_JSON)
            .content("{\"ownsMaster\": true}")).andExpect(status().isUnauthorized());
        assertThat(ownership.ownsMaster()).isFalse();
        verify(store, never()).adoptCache();
    }

    @Test
    void shouldRefuseAChangeWithoutAValue() throws Exception {
        mvc.perform(put("/ops/database-owner").header("Authorization", "Bearer test-operator-token").contentType(MediaType.APPLICATION_JSON).content("{\"owns\": true}"))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.detail").value("Unknown field 'owns'; allowed: ownsMaster"));
        mvc.perform(put("/ops/database-owner").header("Authorization", "Bearer test-operator-token").contentType(MediaType.APPLICATION_JSON).content("{}"))
            .andExpect(status().isBadRequest());
    }

}
