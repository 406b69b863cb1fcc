package io.wmb.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import org.apache.http.HttpHost;
import org.elasticsearch.client.RestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The shared infrastructure's real servers: replication through the link, both Redis, Elasticsearch. */
class InfrastructureIntegrationTests {

    private static Infrastructure infrastructure;

    @BeforeAll
    static void startServers() throws SQLException {
        infrastructure = Infrastructure.shared();
        try (Connection connection = connect(Datacenter.UNICOM); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS infra_probe (id VARCHAR(64) PRIMARY KEY, note VARCHAR(200))");
        }
    }

    @AfterEach
    void healTheLink() {
        infrastructure.link().heal();
        infrastructure.link().setRoundTrip(Duration.ZERO);
    }

    @Test
    void shouldReadOnTheTelecomReplicaARowWrittenOnTheUnicomMaster() throws SQLException {
        String id = UUID.randomUUID().toString();
        insert(id, "written in unicom");
        await().atMost(Duration.ofSeconds(10)).until(() -> noteOnReplica(id).isPresent());
        assertThat(noteOnReplica(id)).contains("written in unicom");
    }

    @Test
    void shouldStopReplicatingWhileTheLinkIsCutAndCatchUpAfterHeal() throws SQLException {
        infrastructure.link().cut();
        String id = UUID.randomUUID().toString();
        insert(id, "written while cut");
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> noteOnReplica(id).isEmpty());
        infrastructure.link().heal();
        await().atMost(Duration.ofSeconds(20)).until(() -> noteOnReplica(id).isPresent());
    }

    @Test
    void shouldAcknowledgeACommitOnTheMasterOnlyOnceBothLogsAreOnDisk() throws SQLException {
        assertThat(settings(Datacenter.UNICOM)).as("innodb_flush_log_at_trx_commit, sync_binlog, commit wait")
            .containsExactly(1, 1, MariaDbServers.COMMIT_WAIT_COUNT);
    }

    @Test
    void shouldLeaveTheBinlogFsyncAndTheCommitWaitToTheMaster() throws SQLException {
        // The replica fetches again what a power loss took from its binlog, and its single applier would only wait.
        assertThat(settings(Datacenter.TELECOM)).as("innodb_flush_log_at_trx_commit, sync_binlog, commit wait")
            .containsExactly(1, 0, 0);
    }

    @Test
    void shouldRefuseApplicationWritesOnTheReplica() {
        String id = UUID.randomUUID().toString();
        assertThat(writeOnReplica(id)).contains("read-only");
    }

    @Test
    void shouldWriteAndReadBothRedisServersSeparately() {
        String key = "infra-test:" + UUID.randomUUID();
        try (JedisPooled unicom = new JedisPooled(java.net.URI.create(infrastructure.redisUrl(Datacenter.UNICOM)));
                JedisPooled telecom = new JedisPooled(
                        java.net.URI.create(infrastructure.redisUrl(Datacenter.TELECOM)))) {
            unicom.set(key, "north");
            telecom.set(key, "south");
            assertThat(unicom.get(key)).isEqualTo("north");
            assertThat(telecom.get(key)).isEqualTo("south");
        }
        assertThat(infrastructure.redisUrl(Datacenter.UNICOM)).isNotEqualTo(infrastructure.redisUrl(Datacenter.TELECOM));
    }

    @Test
    void shouldIndexAndSearchADocumentInElasticsearch() throws IOException {
        String index = "infra-test-" + UUID.randomUUID();
        try (RestClient rest = RestClient.builder(HttpHost.create(infrastructure.elasticsearchUrl())).build()) {
            ElasticsearchClient client = new ElasticsearchClient(new RestClientTransport(rest, new JacksonJsonpMapper()));
            client.index((request) -> request.index(index).id("r1")
                .document(Map.of("requestId", "r1", "stage", "ACCEPTED"))
                .refresh(Refresh.True));
            SearchResponse<Map> found = client.search((search) -> search.index(index)
                .query((query) -> query.term((term) -> term.field("stage.keyword").value("ACCEPTED"))), Map.class);
            assertThat(found.hits().hits()).extracting(Hit::id).containsExactly("r1");
            client.indices().delete((request) -> request.index(index));
        }
    }

    @Test
    void shouldRunEveryElasticsearchThreadAtTheConfiguredPriorityOnceHealthy() {
        long pid = infrastructure.servers().stream()
            .filter((server) -> server.name().equals(ElasticsearchServer.NAME))
            .findFirst()
            .orElseThrow()
            .pid();
        ProcessHandle launcher = ProcessHandle.of(pid).orElseThrow();
        List<Integer> niceness = Stream.concat(Stream.of(launcher), launcher.descendants())
            .flatMap(InfrastructureIntegrationTests::threadNiceness)
            .toList();
        // As root it starts at nice -10 (healthy sooner among a dozen starting JVMs); the node's JVM alone has
        // dozens of threads, and every one of them must be back at the configured priority.
        assertThat(niceness).hasSizeGreaterThan(20).containsOnly(ElasticsearchServer.configuredNice());
    }

    /** The nice value of each thread of a process, from field 19 of /proc/<pid>/task/<tid>/stat. */
    private static Stream<Integer> threadNiceness(ProcessHandle process) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
            return tasks.map((task) -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    // Fields after the command name (in parentheses, which may hold spaces) start at field 3.
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    return Integer.parseInt(fields[19 - 3]);
                }
                catch (IOException ex) {
                    // The thread ended meanwhile.
                    return null;
                }
            }).filter(Objects::nonNull).toList().stream();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static void insert(String id, String note) throws SQLException {
        try (Connection connection = connect(Datacenter.UNICOM);
                PreparedStatement statement = connection.prepareStatement(
                        "INSERT INTO infra_probe (id, note) VALUES (?, ?)")) {
            statement.setString(1, id);
            statement.setString(2, note);
            statement.executeUpdate();
        }
    }

    private static List<Integer> settings(Datacenter datacenter) throws SQLException {
        try (Connection connection = connect(datacenter); Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(
                        "SELECT @@innodb_flush_log_at_trx_commit, @@sync_binlog, @@binlog_commit_wait_count")) {
            assertThat(rs.next()).isTrue();
            return List.of(rs.getInt(1), rs.getInt(2), rs.getInt(3));
        }
    }

    private static Optional<String> noteOnReplica(String id) throws SQLException {
        try (Connection connection = connect(Datacenter.TELECOM);
                PreparedStatement statement = connection.prepareStatement("SELECT note FROM infra_probe WHERE id = ?")) {
            statement.setString(1, id);
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
        catch (SQLException ex) {
            // The table itself may not have replicated yet.
            if (ex.getMessage().contains("doesn't exist")) {
                return Optional.empty();
            }
            throw ex;
        }
    }

    private static String writeOnReplica(String id) {
        try (Connection connection = connect(Datacenter.TELECOM); Statement statement = connection.createStatement()) {
            statement.executeUpdate("INSERT INTO infra_probe (id, note) VALUES ('" + id + "', 'replica')");
            return "accepted";
        }
        catch (SQLException ex) {
            return ex.getMessage();
        }
    }

    private static Connection connect(Datacenter datacenter) throws SQLException {
        return DriverManager.getConnection(infrastructure.mysqlUrl(datacenter), infrastructure.mysqlUser(),
                infrastructure.mysqlPassword());
    }
}
