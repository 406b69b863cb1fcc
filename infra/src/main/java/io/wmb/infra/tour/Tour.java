package io.wmb.infra.tour;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.wmb.infra.Datacenter;
import io.wmb.infra.tour.DemoClient.Answer;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./wmb tour}: a scripted walk through the seed's story against the running demo, each step a check that
 * passes or fails. Write in the north and read in the south; shift part of the north to telecom and measure the
 * split; cut the inter-datacenter link, write in both datacenters, heal and time the convergence; lose a write on
 * its way to the other datacenter and watch the reconciler repair it. The system tests run the same steps
 * ({@code TourSystemIntegrationTests}).
 *
 * <p>The tour changes the demo's routing and link only for the length of a step and puts back what it found:
 * shifts and remote weights as before, link healed, every service it stopped started again.
 */
public final class Tour {

    private static final String NORTH = "north";

    private static final String SOUTH = "south";

    private static final Duration POLL = Duration.ofMillis(250);

    /** A service that missed a health check of the supervisor's (every 2 s) under a burst of load. */
    private static final Duration HEALTHY = Duration.ofSeconds(20);

    /** A service restarted just before the tour: its routers' checks run every second and need two in a row. */
    private static final Duration ROUTERS_UP = Duration.ofSeconds(30);

    /** How long "cannot see" must hold: longer than a replication or reship round on a healthy link. */
    private static final Duration STAYS_APART = Duration.ofSeconds(3);

    private final TourSettings settings;

    private final PrintStream out;

    private final DemoClient demo;

    /** Unique per run, so that a tour never reads another run's posts or users. */
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    /** Authors of this run's posts: random, below 2^40, so that runs do not share an author's post list. */
    private final long author = ThreadLocalRandom.current().nextLong(1_000_000L, 1L << 40);

    /** Whether the demo runs in master-slave mode (every write goes to unicom), as its gateways report. */
    private final boolean masterSlave;

    /** Settings found at the start, put back at the end. */
    private final Map<String, Double> found = new HashMap<>();

    public Tour(TourSettings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
        this.demo = new DemoClient(settings);
        Answer writes = this.demo.writes(Datacenter.TELECOM);
        this.masterSlave = writes.status() == 200 && "master-slave".equals(writes.json().path("topology").asString());
    }

    /**
     * Runs every step, printing what it does and sees.
     * @return every step's result, in order
     */
    public List<TourStep> run() {
        List<TourStep> steps = new ArrayList<>();
        this.out.println("WMB tour of the demo at http://127.0.0.1:" + this.settings.port(8080)
                + "/ (dashboard; port offset " + this.settings.portOffset() + ", run " + this.run + ")");
        this.out.println(this.masterSlave
                ? "Topology: master-slave (every write goes to unicom; ./wmb up without --topology for independent)"
                : "Topology: independent (both datacenters take writes; ./wmb up --topology master-slave for the other)");
        try {
            steps.add(step("everything is up and routes plainly", this::prepare));
            steps.add(step("write in the north, read in the south", this::writeNorthReadSouth));
            steps.add(step("shift " + this.settings.shiftPercent() + "% of the north to telecom", this::shiftNorth));
            if (this.masterSlave) {
                steps.add(step("master-slave: a southern write goes to the master (unicom)", this::southWritesAtMaster));
                steps.add(step("master-slave: cut the link, the south's writes are refused, heal",
                        this::cutRefuseSouthHeal));
            }
            else {
                steps.add(step("cut the link, write on both sides, heal, converge", this::cutWriteHeal));
                steps.add(step("the reconciler repairs a write lost on its way", this::reconcilerRepairsGap));
            }
        }
        finally {
            steps.add(step("put the demo back as it was", this::restore));
        }
        long failed = steps.stream().filter((step) -> !step.passed()).count();
        this.out.println();
        this.out.println((failed == 0) ? "Tour complete: all " + steps.size() + " steps passed."
                : "Tour finished with " + failed + " of " + steps.size() + " steps failed.");
        return steps;
    }

    /** Whether every step passed. */
    public static boolean allPassed(List<TourStep> steps) {
        return !steps.isEmpty() && steps.stream().allMatch(TourStep::passed);
    }

    private TourStep step(String name, Step body) {
        this.out.println();
        this.out.println("== " + name);
        long started = System.nanoTime();
        String detail;
        boolean passed;
        try {
            detail = body.run();
            passed = true;
        }
        catch (CheckFailedException ex) {
            detail = ex.getMessage();
            passed = false;
        }
        catch (RuntimeException ex) {
            detail = "unexpected error: " + ex;
            passed = false;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        this.out.printf(Locale.ROOT, "   %s %s (%.1f s)%n", passed ? "PASS" : "FAIL", detail,
                took.toMillis() / 1000.0);
        return new TourStep(name, passed, detail, took);
    }

    /** Healthy demo; routing without shifts or cross-datacenter weights, so that each step sees plain routing. */
    private String prepare() {
        Answer status = this.demo.supervisorStatus();
        check(status.status() == 200, "the supervisor's control API does not answer (is ./wmb up running?): "
                + status.describe());
        List<String> unhealthy = notHealthy(status);
        long started = System.nanoTime();
        // A service that answered its health check too slowly (a burst of load just before the tour) is healthy
        // again at the supervisor's next check, two seconds later; a failed or stopped one is not coming back.
        while (mayRecover(unhealthy) && System.nanoTime() - started < HEALTHY.toNanos()) {
            pause();
            Answer again = this.demo.supervisorStatus();
            if (again.status() == 200) {
                unhealthy = notHealthy(again);
            }
        }
        check(unhealthy.isEmpty(), "not everything is healthy: " + unhealthy + " (./wmb status)");
        long waited = (System.nanoTime() - started) / 1_000_000;
        say("all " + status.json().path("components").size() + " servers and services healthy"
                + ((waited > 1000) ? " (after " + waited + " ms)" : ""));
        if (this.demo.linkState().json().path("cut").asBoolean()) {
            say("the link was cut: healing it");
            expectStatus(this.demo.link("heal"), 200);
        }
        Answer edge = expectStatus(this.demo.edgeSettings(), 200);
        for (Datacenter dc : Datacenter.values()) {
            check(!edge.json().path("drained").path(dc.id()).asBoolean(), dc.id() + " is drained at the edge: "
                    + "undrain it on the dashboard (or finish ./wmb failover with ./wmb failback) first");
        }
        awaitRoutersSeeEverythingUp();
        for (String region : List.of(NORTH, SOUTH)) {
            double shift = edge.json().path("shiftPercent").path(region).asDouble();
            this.found.put("shift-" + region, shift);
            if (shift != 0) {
                say(region + " shift was " + shift + "%: 0 for the tour, put back at the end");
                expectStatus(this.demo.shift(region, 0, this.settings.operatorToken()), 200);
            }
        }
        for (Datacenter dc : Datacenter.values()) {
            double weight = expectStatus(this.demo.gatewaySettings(dc), 200).json().path("remoteWeightPercent")
                .asDouble();
            this.found.put("weight-" + dc.id(), weight);
            if (weight != 0) {
                say(dc.id() + "'s gateway sent " + weight + "% to the other datacenter: 0 for the tour");
                expectStatus(this.demo.remoteWeight(dc, 0), 200);
            }
        }
        return "north users go to unicom, south users to telecom";
    }

    /**
     * The supervisor sees a service healthy as soon as it answers; the edge and the gateways only after their own
     * checks pass ({@code rise} in a row after a service was down). Until then they route around it, and a
     * northern write would be served by telecom: the tour waits for the routers to agree.
     */
    private void awaitRoutersSeeEverythingUp() {
        long started = System.nanoTime();
        List<String> down = new ArrayList<>();
        await("the edge and both gateways to see all their targets up", ROUTERS_UP, () -> {
            down.clear();
            down.addAll(this.demo.routersNotUp());
            return down.isEmpty();
        }, () -> "Still not up: " + down);
        long waited = (System.nanoTime() - started) / 1_000_000;
        say("the edge and both gateways see all their targets up"
                + ((waited > 1000) ? " (after " + waited + " ms)" : ""));
    }

    private String writeNorthReadSouth() {
        String content = "hello from the north (tour " + this.run + ")";
        Answer created = this.demo.createPost(NORTH, user("writer-north"), this.author, content);
        expectStatus(created, 201);
        check(created.datacenter().equals("unicom"), "a northern write should be served by unicom: "
                + created.describe());
        long id = created.json().path("id").asLong();
        say("POST /api/posts as a northern user -> 201 from unicom, post " + id + ", requestId "
                + created.requestId());
        long written = System.nanoTime();
        Answer[] last = new Answer[1];
        await("the post to be readable in the south", Duration.ofSeconds(20), () -> {
            last[0] = this.demo.getPost(SOUTH, user("reader-south"), id);
            return last[0].status() == 200 && last[0].datacenter().equals("telecom")
                    && content.equals(last[0].json().path("content").asString());
        }, () -> last[0].describe());
        long millis = (System.nanoTime() - written) / 1_000_000;
        say("GET /api/posts/" + id + " as a southern user -> 200 from telecom after " + millis + " ms");
        return "written in unicom, read in telecom " + millis + " ms later";
    }

    private String shiftNorth() {
        int percent = this.settings.shiftPercent();
        Answer refused = this.demo.shift(NORTH, percent, null);
        check(refused.status() == 401, "a shift without the operator token must be refused: " + refused.describe());
        say("PUT /ops/regions/north/shift without the operator token -> 401");
        expectStatus(this.demo.shift(NORTH, percent, this.settings.operatorToken()), 200);
        say("PUT /ops/regions/north/shift {\"percent\": " + percent + "} with the operator token -> 200");
        try {
            return measureShift(percent);
        }
        finally {
            // Also after a failed check, so that the steps after this one find the north unshifted.
            expectStatus(this.demo.shift(NORTH, 0, this.settings.operatorToken()), 200);
            say("north shift back to 0%");
        }
    }

    private String measureShift(int percent) {
        int users = this.settings.users();
        Map<String, String> where = new HashMap<>();
        int telecom = 0;
        for (int i = 0; i < users; i++) {
            String user = user("user-" + i);
            Answer answer = this.demo.userPosts(NORTH, user, this.author);
            expectStatus(answer, 200);
            where.put(user, answer.datacenter());
            telecom += answer.datacenter().equals("telecom") ? 1 : 0;
        }
        double share = 100.0 * telecom / users;
        say(String.format(Locale.ROOT, "%d northern users: %d served by unicom, %d by telecom (%.1f%%)", users,
                users - telecom, telecom, share));
        // Users hashed independently: the share's standard deviation is sqrt(p(1-p)/n), 2 points for 500 users.
        check(Math.abs(share - percent) <= 10, String.format(Locale.ROOT,
                "%.1f%% of the north reached telecom, expected %d%% +- 10", share, percent));
        int moved = 0;
        for (int i = 0; i < 20; i++) {
            String user = user("user-" + i);
            moved += this.demo.userPosts(NORTH, user, this.author).datacenter().equals(where.get(user)) ? 0 : 1;
        }
        check(moved == 0, moved + " of 20 users changed datacenter between two requests: routing is not sticky");
        say("the first 20 users asked again: each stayed in its datacenter (sticky)");
        say("the dashboard at http://127.0.0.1:" + this.settings.port(8080) + "/ shows the split per datacenter");
        return String.format(Locale.ROOT, "measured %.1f%% of %d northern users in telecom for a %d%% shift", share,
                users, percent);
    }

    private String cutWriteHeal() {
        Answer shared = expectStatus(this.demo.createPost(NORTH, user("writer-north"), this.author,
                "liked on both sides (tour " + this.run + ")"), 201);
        long sharedId = shared.json().path("id").asLong();
        await("the shared post to reach the south", Duration.ofSeconds(20),
                () -> this.demo.getPost(SOUTH, user("reader-south"), sharedId).status() == 200, () -> "");
        say("post " + sharedId + " exists in both datacenters; now cutting the link");
        expectStatus(this.demo.link("cut"), 200);
        try {
            check(this.demo.linkState().json().path("cut").asBoolean(), "the link does not report itself cut");
            say("POST /ops/link/cut -> the link is cut (replication, reship and cross upstreams all stop)");
            String northContent = "written in the north during the cut (tour " + this.run + ")";
            String southContent = "written in the south during the cut (tour " + this.run + ")";
            Answer north = expectStatus(this.demo.createPost(NORTH, user("writer-north"), this.author,
                    northContent), 201);
            Answer south = expectStatus(this.demo.createPost(SOUTH, user("writer-south"), this.author,
                    southContent), 201);
            check(north.datacenter().equals("unicom") && south.datacenter().equals("telecom"),
                    "each side should write in its own datacenter: " + north.describe() + " / " + south.describe());
            long northId = north.json().path("id").asLong();
            long southId = south.json().path("id").asLong();
            expectStatus(this.demo.like(NORTH, user("writer-north"), sharedId), 200);
            expectStatus(this.demo.like(SOUTH, user("writer-south"), sharedId), 200);
            say("wrote post " + northId + " in unicom and " + southId + " in telecom; liked " + sharedId
                    + " once on each side");
            say("independent mode: both datacenters take writes while the link is cut (in master-slave mode the"
                    + " south's would be refused with 503)");
            long until = System.nanoTime() + STAYS_APART.toNanos();
            while (System.nanoTime() < until) {
                Answer seenSouth = this.demo.getPost(SOUTH, user("reader-south"), northId);
                check(seenSouth.status() == 404, "telecom should not see unicom's new post during the cut: "
                        + seenSouth.describe());
                Answer seenNorth = this.demo.getPost(NORTH, user("reader-north"), southId);
                check(seenNorth.status() == 404, "unicom should not see telecom's new post during the cut: "
                        + seenNorth.describe());
                pause();
            }
            long likesNorth = likes(NORTH, sharedId);
            long likesSouth = likes(SOUTH, sharedId);
            check(likesNorth == 1 && likesSouth == 1, "during the cut each side should count only its own like,"
                    + " but north counts " + likesNorth + " and south " + likesSouth);
            say("for " + STAYS_APART.toSeconds() + " s: neither side sees the other's new post (404), each counts"
                    + " 1 like of " + sharedId);
            expectStatus(this.demo.link("heal"), 200);
            long healed = System.nanoTime();
            say("POST /ops/link/heal -> healed; waiting for both datacenters to agree");
            long[] seen = new long[3];
            await("both datacenters to converge", this.settings.convergeTimeout(), () -> {
                if (seen[0] == 0 && this.demo.getPost(SOUTH, user("reader-south"), northId).status() == 200) {
                    seen[0] = System.nanoTime() - healed;
                }
                if (seen[1] == 0 && this.demo.getPost(NORTH, user("reader-north"), southId).status() == 200) {
                    seen[1] = System.nanoTime() - healed;
                }
                if (seen[2] == 0 && likes(NORTH, sharedId) == 2 && likes(SOUTH, sharedId) == 2) {
                    seen[2] = System.nanoTime() - healed;
                }
                return seen[0] != 0 && seen[1] != 0 && seen[2] != 0;
            }, () -> "north's post in the south: " + (seen[0] != 0) + ", south's post in the north: "
                    + (seen[1] != 0) + ", 2 likes on both sides: " + (seen[2] != 0));
            say(String.format(Locale.ROOT, "after the heal: unicom's post in telecom at %.1f s, telecom's post in"
                    + " unicom at %.1f s, 2 likes on both sides at %.1f s", seen[0] / 1e9, seen[1] / 1e9,
                    seen[2] / 1e9));
            double converged = Math.max(seen[0], Math.max(seen[1], seen[2])) / 1e9;
            return String.format(Locale.ROOT, "converged %.1f s after the heal", converged);
        }
        finally {
            if (this.demo.linkState().json().path("cut").asBoolean(false)) {
                this.demo.link("heal");
            }
        }
    }

    /**
     * The gap: telecom's reship is stopped, so a southern write is applied in telecom but never handed on
     * ({@code RESHIPPED FAILED}). While reship stays down nothing else can carry it (the processor keeps the write's
     * intent and hands it to reship again once reship is back, which would be a duplicate by then): only the
     * reconciler, reading the processing log and applying through unicom's processor, brings it to unicom.
     */
    private String reconcilerRepairsGap() {
        expectStatus(this.demo.service("reship-telecom", "stop"), 200);
        try {
            say("stopped reship-telecom through the supervisor (POST /services/reship-telecom/stop); it stays down");
            String content = "written while telecom's reship was down (tour " + this.run + ")";
            Answer written = expectStatus(this.demo.createPost(SOUTH, user("writer-south"), this.author, content),
                    201);
            long id = written.json().path("id").asLong();
            long at = System.nanoTime();
            say("POST /api/posts as a southern user -> 201 from " + written.datacenter() + ", post " + id
                    + ", requestId " + written.requestId() + " (its hand-off to reship failed)");
            long until = System.nanoTime() + STAYS_APART.toNanos();
            while (System.nanoTime() < until) {
                Answer north = this.demo.getPost(NORTH, user("reader-north"), id);
                check(north.status() == 404, "unicom should not have the lost write before a reconciler scan: "
                        + north.describe());
                pause();
            }
            say("unicom still does not have post " + id + ": nothing will deliver it but the reconciler");
            // A reconciler judges a write no sooner than its grace after the write: the wait allows for it, so that
            // the tour also passes against reconcilers run with a production grace (WMB_RECONCILER_GRACE).
            Duration grace = reconcilerGrace();
            say("the reconcilers judge a write no sooner than their grace after it (" + grace.toSeconds()
                    + " s, WMB_RECONCILER_GRACE); asking both to scan now and again until unicom has the post");
            long[] scans = new long[1];
            String[] unanswered = { "" };
            await("the reconciler to repair the post in unicom", this.settings.repairTimeout().plus(grace), () -> {
                for (Datacenter dc : Datacenter.values()) {
                    Answer scan = this.demo.scan(dc);
                    scans[0]++;
                    // A scan still running (its re-drives retry with backoff) holds this one past the client's
                    // timeout: the wait goes on. A refusal (a wrong operator token) would not change by waiting.
                    check(scan.status() == 200 || scan.status() == 0 || scan.status() >= 500,
                            "POST /api/reconciler/scan failed: " + scan.describe());
                    if (scan.status() != 200) {
                        unanswered[0] = " The last scan that did not answer 200: " + scan.describe();
                    }
                }
                Answer north = this.demo.getPost(NORTH, user("reader-north"), id);
                return north.status() == 200 && content.equals(north.json().path("content").asString());
            }, () -> "the reconcilers scan a window that trails now by their grace period (WMB_RECONCILER_GRACE)."
                    + unanswered[0]);
            double seconds = (System.nanoTime() - at) / 1e9;
            say(String.format(Locale.ROOT, "POST /api/reconciler/scan (both datacenters, %d calls): post %d readable"
                    + " in unicom %.1f s after it was written", scans[0], id, seconds));
            long[] records = new long[1];
            await("the RECONCILED record in the processing log", Duration.ofSeconds(15), () -> {
                records[0] = this.demo.processingLogRecords(written.requestId(), "RECONCILED", null);
                return records[0] > 0;
            }, () -> "requestId " + written.requestId());
            say("processing log: " + records[0] + " RECONCILED record(s) for requestId " + written.requestId());
            expectStatus(this.demo.service("reship-telecom", "start"), 200);
            await("reship-telecom to be healthy again", Duration.ofSeconds(120), () -> {
                for (JsonNode component : this.demo.supervisorStatus().json().path("components")) {
                    if (component.path("name").asString().equals("reship-telecom")) {
                        return component.path("state").asString().equals("HEALTHY");
                    }
                }
                return false;
            }, () -> "see ./wmb logs reship-telecom");
            say("reship-telecom is running again");
            return String.format(Locale.ROOT, "the reconciler repaired the lost write %.1f s after it was written",
                    seconds);
        }
        finally {
            this.demo.service("reship-telecom", "start");
        }
    }

    /** Master-slave: a write entering telecom crosses to unicom's processor and is readable in telecom at once. */
    private String southWritesAtMaster() {
        String content = "hello from the south, written by the master (tour " + this.run + ")";
        long started = System.nanoTime();
        Answer created = expectStatus(this.demo.createPost(SOUTH, user("writer-south"), this.author, content), 201);
        long writeMillis = (System.nanoTime() - started) / 1_000_000;
        check(created.datacenter().equals("unicom"), "in master-slave mode a southern write should be served by"
                + " unicom's processor: " + created.describe());
        long id = created.json().path("id").asLong();
        say("POST /api/posts as a southern user -> 201 from unicom (telecom's gateway sent it across the link), post "
                + id + ", " + writeMillis + " ms");
        Answer read = this.demo.getPost(SOUTH, user("reader-south"), id);
        check(read.status() == 200 && read.datacenter().equals("telecom")
                && content.equals(read.json().path("content").asString()),
                "the master writes telecom's cache before it answers, so telecom should serve the post at once: "
                        + read.describe());
        say("GET /api/posts/" + id + " as a southern user right after -> 200 from telecom (its cache was updated by"
                + " the master before the answer)");
        return "southern write applied by unicom in " + writeMillis + " ms, read at once in telecom";
    }

    /**
     * Master-slave under a cut link: telecom cannot reach the master, so its writes are refused (503, nothing
     * written) while its reads are still served; unicom keeps taking writes. After the heal the south writes again
     * and telecom catches up.
     */
    private String cutRefuseSouthHeal() {
        Answer shared = expectStatus(this.demo.createPost(NORTH, user("writer-north"), this.author,
                "read on both sides during the cut (tour " + this.run + ")"), 201);
        long sharedId = shared.json().path("id").asLong();
        await("the post to be readable in the south", Duration.ofSeconds(20),
                () -> this.demo.getPost(SOUTH, user("reader-south"), sharedId).status() == 200, () -> "");
        expectStatus(this.demo.link("cut"), 200);
        try {
            say("POST /ops/link/cut -> the link is cut (replication, reship, cross upstreams, the master's cache"
                    + " writes all stop)");
            long cut = System.nanoTime();
            Answer[] south = new Answer[1];
            int[] attempts = new int[1];
            await("telecom's gateway to refuse southern writes", Duration.ofSeconds(40), () -> {
                attempts[0]++;
                south[0] = this.demo.createPost(SOUTH, user("writer-south"), this.author,
                        "written in the south during the cut (tour " + this.run + ")");
                check(south[0].status() != 201, "telecom took a write while the master was cut off: "
                        + south[0].describe());
                return south[0].status() == 503;
            }, () -> south[0].describe());
            double refusedAfter = (System.nanoTime() - cut) / 1e9;
            say(String.format(Locale.ROOT, "south: POST /api/posts -> 503 from %s after %.1f s (%d attempt(s); one"
                    + " caught in the cut waits for its timeout): %s", south[0].datacenter(), refusedAfter,
                    attempts[0], south[0].json().path("detail").asString()));
            Answer northWrite = expectStatus(this.demo.createPost(NORTH, user("writer-north"), this.author,
                    "written in the north during the cut (tour " + this.run + ")"), 201);
            check(northWrite.datacenter().equals("unicom"), "the north writes at unicom: " + northWrite.describe());
            long northId = northWrite.json().path("id").asLong();
            say("north: POST /api/posts -> 201 from unicom, post " + northId + " (the master keeps taking writes)");
            Answer read = this.demo.getPost(SOUTH, user("reader-south"), sharedId);
            check(read.status() == 200 && read.datacenter().equals("telecom"), "telecom should still serve reads: "
                    + read.describe());
            say("south: GET /api/posts/" + sharedId + " -> 200 from telecom (reads are served from its cache and"
                    + " replica)");
            Answer writes = expectStatus(this.demo.writes(Datacenter.TELECOM), 200);
            check(!writes.json().path("acceptsWrites").asBoolean(true), "telecom's gateway should report that it"
                    + " does not take writes: " + writes.describe());
            say("GET :" + this.settings.port(8082) + "/ops/writes -> acceptsWrites false (the dashboard shows"
                    + " telecom's writes as REFUSED)");
            say("independent mode, for comparison: both datacenters would have answered 201 (./wmb up without"
                    + " --topology)");
            expectStatus(this.demo.link("heal"), 200);
            long healed = System.nanoTime();
            say("POST /ops/link/heal -> healed");
            long[] seen = new long[2];
            await("telecom to take writes again and see the north's post", this.settings.convergeTimeout(), () -> {
                if (seen[0] == 0 && this.demo.getPost(SOUTH, user("reader-south"), northId).status() == 200) {
                    seen[0] = System.nanoTime() - healed;
                }
                if (seen[1] == 0) {
                    Answer again = this.demo.createPost(SOUTH, user("writer-south"), this.author,
                            "written in the south after the heal (tour " + this.run + ")");
                    if (again.status() == 201) {
                        seen[1] = System.nanoTime() - healed;
                    }
                }
                return seen[0] != 0 && seen[1] != 0;
            }, () -> "north's post in the south: " + (seen[0] != 0) + ", south writes again: " + (seen[1] != 0));
            say(String.format(Locale.ROOT, "after the heal: the north's post readable in telecom at %.1f s, the"
                    + " south's writes taken again at %.1f s", seen[0] / 1e9, seen[1] / 1e9));
            return String.format(Locale.ROOT, "south refused (503) %.1f s into the cut, north kept writing, south"
                    + " writing again %.1f s after the heal", refusedAfter, seen[1] / 1e9);
        }
        finally {
            if (this.demo.linkState().json().path("cut").asBoolean(false)) {
                this.demo.link("heal");
            }
        }
    }

    private String restore() {
        List<String> problems = new ArrayList<>();
        if (this.demo.linkState().json().path("cut").asBoolean(false)) {
            problems.addAll(failures(this.demo.link("heal")));
        }
        for (String region : List.of(NORTH, SOUTH)) {
            Double shift = this.found.get("shift-" + region);
            if (shift != null) {
                problems.addAll(failures(this.demo.shift(region, shift, this.settings.operatorToken())));
            }
        }
        for (Datacenter dc : Datacenter.values()) {
            Double weight = this.found.get("weight-" + dc.id());
            if (weight != null && weight != 0) {
                problems.addAll(failures(this.demo.remoteWeight(dc, weight)));
            }
        }
        check(problems.isEmpty(), "could not put everything back: " + problems);
        return "link healed, shifts and weights as found";
    }

    private long likes(String region, long id) {
        Answer answer = this.demo.getPost(region, user("reader-" + region), id);
        return (answer.status() == 200) ? answer.json().path("likes").asLong() : -1;
    }

    private String user(String name) {
        return "tour-" + this.run + "-" + name;
    }

    private void say(String line) {
        this.out.println("   " + line);
    }

    private static List<String> failures(Answer answer) {
        return (answer.status() / 100 == 2) ? List.of() : List.of(answer.describe());
    }

    private static Answer expectStatus(Answer answer, int status) {
        check(answer.status() == status, "expected " + status + ": " + answer.describe());
        return answer;
    }

    private static void check(boolean condition, String failure) {
        if (!condition) {
            throw new CheckFailedException(failure);
        }
    }

    /** The components of a supervisor status that are neither healthy nor skipped, with their state. */
    private static List<String> notHealthy(Answer status) {
        List<String> notHealthy = new ArrayList<>();
        for (JsonNode component : status.json().path("components")) {
            String state = component.path("state").asString();
            if (!state.equals("HEALTHY") && !state.equals("SKIPPED")) {
                notHealthy.add(component.path("name").asString() + " " + state.toLowerCase(Locale.ROOT));
            }
        }
        return notHealthy;
    }

    /** Whether every component that is not healthy is only unhealthy or starting, not failed or stopped. */
    private static boolean mayRecover(List<String> notHealthy) {
        return !notHealthy.isEmpty() && notHealthy.stream()
            .allMatch((entry) -> entry.endsWith(" unhealthy") || entry.endsWith(" starting"));
    }

    /** Polls until the condition holds, failing with what was last seen after the timeout. */
    /** The longest grace of the two reconcilers, from their status; zero for one that does not say. */
    private Duration reconcilerGrace() {
        Duration longest = Duration.ZERO;
        for (Datacenter dc : Datacenter.values()) {
            Answer status = this.demo.reconcilerStatus(dc);
            check(status.status() == 200, "GET /api/reconciler/status failed: " + status.describe());
            Duration grace = Duration.ofMillis(status.json().path("graceMillis").asLong(0));
            longest = (grace.compareTo(longest) > 0) ? grace : longest;
        }
        return longest;
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition,
            Supplier<String> lastSeen) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new CheckFailedException("timed out after " + timeout.toSeconds() + " s waiting for " + what
                        + ". " + lastSeen.get());
            }
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    @FunctionalInterface
    private interface Step {

        /** Runs the step's checks; returns what it measured, throws {@link CheckFailedException} otherwise. */
        String run();
    }

    /** A check of the tour that did not hold. */
    static final class CheckFailedException extends RuntimeException {

        CheckFailedException(String message) {
            super(message);
        }
    }
}
