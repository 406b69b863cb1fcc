package io.wmb.infra.launcher;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.wmb.infra.LinkSimulator;

/**
 * The link simulator on its own, with its control API: what the {@code link} container of
 * {@code docker-compose.yml} runs ({@code serve-link}). Routes come from {@code WMB_LINK_ROUTES}, e.g.
 * {@code 19122=collector-telecom:9122,13307=mysql-unicom:3306}.
 */
final class LinkServer {

    private static final Logger logger = LoggerFactory.getLogger(LinkServer.class);

    private LinkServer() {
    }

    /** Opens the routes and serves until the process is stopped. */
    static void run(String routes, String bindAddress, int controlPort) throws Exception {
        InetAddress bind = InetAddress.getByName(bindAddress);
        LinkSimulator link = new LinkSimulator(bind);
        for (Route route : parse(routes)) {
            link.open(route.target(), route.host(), route.port(), route.listenPort());
        }
        ControlServer control = new ControlServer(bind, controlPort, new ControlServer.SupervisorView() {
            @Override
            public List<Component> components() {
                return List.of();
            }

            @Override
            public Optional<LinkSimulator> link() {
                return Optional.of(link);
            }
        });
        control.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            control.stop();
            link.close();
            stopped.countDown();
        }, "link-stop"));
        logger.info("Link simulator serving {} route(s)", link.routes().size());
        stopped.await();
    }

    /** Parses {@code listenPort=host:port} pairs separated by commas or white space. */
    static List<Route> parse(String routes) {
        if (routes == null || routes.isBlank()) {
            throw new IllegalArgumentException("WMB_LINK_ROUTES must list listenPort=host:port pairs, but was empty");
        }
        return Arrays.stream(routes.trim().split("[,\\s]+")).map((entry) -> {
            String[] sides = entry.split("=", 2);
            int colon = (sides.length == 2) ? sides[1].lastIndexOf(':') : -1;
            if (colon <= 0) {
                throw new IllegalArgumentException("a link route must look like 19122=collector-telecom:9122, but was '"
                        + entry + "'");
            }
            try {
                return new Route(Integer.parseInt(sides[0]), sides[1].substring(0, colon),
                        Integer.parseInt(sides[1].substring(colon + 1)));
            }
            catch (NumberFormatException ex) {
                throw new IllegalArgumentException("a link route must have numeric ports, but was '" + entry + "'", ex);
            }
        }).toList();
    }

    /**
     * One route: callers connect to {@code listenPort} and reach {@code host:port}.
     * @param listenPort where the route listens
     * @param host the target's host name
     * @param port the target's port
     */
    record Route(int listenPort, String host, int port) {

        String target() {
            return this.host + "-" + this.port;
        }
    }

}
