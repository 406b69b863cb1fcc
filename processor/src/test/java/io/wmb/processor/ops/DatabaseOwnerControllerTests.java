package io.wmb.processor.ops;

import java.time.Clock;
import java.time.Duration;

import io.wmb.processor.config.JsonConfiguration;
import io.wmb.processor.config.ProcessorProperties;
import io.wmb.processor.version.RequestIds;
import io.wmb.processor.web.ProblemHandler;
import io.wmb.processor.web.WebConfiguration;
import io.wmb.processor.topology.Topology;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
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
                    new ProcessorProperties.Api(2000, DataSize.ofKilobytes(16), 100),
                    new ProcessorProperties.Idempotency(Duration.ofHours(1)),
                    new ProcessorProperties.ProcessingLog("http://127.0.0.1:1", "target/unused"), "test-operator-token",
                    Topology.INDEPENDENT, new ProcessorProperties.PeerCache("redis://127.0.0.1:1",
                            Duration.ofMillis(100), Duration.ofSeconds(1)));
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
