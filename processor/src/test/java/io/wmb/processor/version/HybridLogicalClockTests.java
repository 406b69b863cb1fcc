package io.wmb.processor.version;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class HybridLogicalClockTests {

    private static final long T0 = 1_750_000_000_000L;

    /** A wall clock the test moves by hand. */
    private static final class ManualClock extends Clock {

        private final AtomicLong millis = new AtomicLong(T0);

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }

        @Override
        public long millis() {
            return millis.get();
        }

        void set(long value) {
            millis.set(value);
        }

    }

    @Nested
    class Packing {

        @Test
        void shouldPackPhysicalLogicalAndDatacenter() {
            ManualClock wall = new ManualClock();
            HybridLogicalClock clock = new HybridLogicalClock(wall, 2);
            long first = clock.now();
            long second = clock.now();
            assertThat(HybridLogicalClock.physicalMillis(first)).isEqualTo(T0);
            assertThat(HybridLogicalClock.logical(first)).isZero();
            assertThat(HybridLogicalClock.datacenterId(first)).isEqualTo(2);
            assertThat(HybridLogicalClock.physicalMillis(second)).isEqualTo(T0);
            assertThat(HybridLogicalClock.logical(second)).isEqualTo(1);
            assertThat(first).isEqualTo(T0 << 20 | 2);
        }

        @Test
        void shouldRejectDatacenterOutOfRange() {
            assertThatIllegalArgumentException().isThrownBy(() -> new HybridLogicalClock(Clock.systemUTC(), 0))
                .withMessageContaining("but was 0");
            assertThatIllegalArgumentException().isThrownBy(() -> new HybridLogicalClock(Clock.systemUTC(), 16))
                .withMessageContaining("but was 16");
        }

    }

    @Nested
    class Monotonicity {

        @Test
        void shouldKeepIncreasingWhenWallClockStepsBack() {
            ManualClock wall = new ManualClock();
            HybridLogicalClock clock = new HybridLogicalClock(wall, 1);
            long before = clock.now();
            wall.set(T0 - 10_000);
            long after = clock.now();
            assertThat(after).isGreaterThan(before);
            assertThat(HybridLogicalClock.physicalMillis(after)).isEqualTo(T0);
        }

        @Test
        void shouldFollowWallClockWhenItMovesOn() {
            ManualClock wall = new ManualClock();
            HybridLogicalClock clock = new HybridLogicalClock(wall, 1);
            clock.now();
            clock.now();
            wall.set(T0 + 5);
            long later = clock.now();
            assertThat(HybridLogicalClock.physicalMillis(later)).isEqualTo(T0 + 5);
            assertThat(HybridLogicalClock.logical(later)).isZero();
        }

        @Test
        void shouldBorrowNextMillisecondWhenLogicalCounterIsExhausted() {
            ManualClock wall = new ManualClock();
            HybridLogicalClock clock = new HybridLogicalClock(wall, 1);
            long last = 0;
            for (int i = 0; i <= HybridLogicalClock.MAX_LOGICAL + 1; i++) {
                long next = clock.now();
                assertThat(next).isGreaterThan(last);
                last = next;
            }
            assertThat(HybridLogicalClock.physicalMillis(last)).isEqualTo(T0 + 1);
        }

        @Test
        void shouldGiveUniqueReadingsUnderConcurrency() {
            HybridLogicalClock clock = new HybridLogicalClock(new ManualClock(), 1);
            Set<Long> seen = ConcurrentHashMap.newKeySet();
            IntStream.range(0, 20_000).parallel().forEach(i -> seen.add(clock.now()));
            assertThat(seen).hasSize(20_000);
        }

    }

    @Nested
    class AcrossDatacenters {

        @Test
        void shouldOrderAfterObservedVersionFromFasterDatacenter() {
            ManualClock southWall = new ManualClock();
            ManualClock northWall = new ManualClock();
            HybridLogicalClock south = new HybridLogicalClock(southWall, 2);
            HybridLogicalClock north = new HybridLogicalClock(northWall, 1);
            southWall.set(T0 + 1_000);
            long remote = south.now();
            long local = north.nextAfter(remote);
            assertThat(local).isGreaterThan(remote);
            assertThat(HybridLogicalClock.datacenterId(local)).isEqualTo(1);
        }

        @Test
        void shouldBreakTiesByDatacenter() {
            long unicom = new HybridLogicalClock(new ManualClock(), 1).now();
            long telecom = new HybridLogicalClock(new ManualClock(), 2).now();
            assertThat(telecom).isGreaterThan(unicom);
        }

        @Test
        void shouldMoveLaterReadingsPastObservedVersion() {
            ManualClock wall = new ManualClock();
            HybridLogicalClock clock = new HybridLogicalClock(wall, 1);
            long remote = (T0 + 500) << 20 | 3 << 4 | 2;
            clock.observe(remote);
            assertThat(clock.now()).isGreaterThan(remote);
        }

        @Test
        void shouldNotMoveBackWhenObservingOlderVersion() {
            ManualClock wall = new ManualClock();
            HybridLogicalClock clock = new HybridLogicalClock(wall, 1);
            long before = clock.now();
            clock.observe((T0 - 500) << 20 | 2);
            assertThat(clock.now()).isGreaterThan(before);
        }

    }

    @Test
    void postIdsShouldBeUniqueAndGrow() {
        ManualClock wall = new ManualClock();
        PostIdGenerator unicom = new PostIdGenerator(wall, 1, 0);
        PostIdGenerator telecom = new PostIdGenerator(wall, 2, 0);
        Set<Long> ids = new HashSet<>();
        long last = 0;
        for (int i = 0; i < 1_000; i++) {
            long id = unicom.next();
            assertThat(id).isGreaterThan(last);
            last = id;
            ids.add(id);
            ids.add(telecom.next());
        }
        assertThat(ids).hasSize(2_000);
        assertThat(last).isPositive();
    }

    @Test
    void postIdsOfTwoProcessorsOfOneDatacenterShouldNeverCollide() {
        // The wall clock stands still: every id of both falls in one millisecond, or borrows the next ones.
        ManualClock wall = new ManualClock();
        PostIdGenerator first = new PostIdGenerator(wall, 1, 0);
        PostIdGenerator second = new PostIdGenerator(wall, 1, 1);
        Set<Long> ids = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            ids.add(first.next());
            ids.add(second.next());
        }
        assertThat(ids).hasSize(2_000);
    }

    @Test
    void postIdGeneratorsShouldRefuseNodeNumbersThatDoNotFit() {
        assertThatIllegalArgumentException().isThrownBy(() -> new PostIdGenerator(new ManualClock(), 1, 16))
            .withMessageContaining("node");
        assertThatIllegalArgumentException().isThrownBy(() -> new PostIdGenerator(new ManualClock(), 1, -1));
    }

    @Test
    void postIdsShouldStayExactInJavaScriptForDecades() {
        Clock in2090 = Clock.fixed(Instant.parse("2090-12-31T23:59:59Z"), ZoneOffset.UTC);
        PostIdGenerator telecom = new PostIdGenerator(in2090, 15, PostIdGenerator.MAX_NODE);
        long id = 0;
        for (int i = 0; i < 1_000; i++) {
            id = telecom.next();
        }
        assertThat(id).isLessThan(1L << 53);
    }

    @Test
    void requestIdsShouldBeValidatedStrictly() {
        assertThat(RequestIds.isValid("abc-123_x.y:z")).isTrue();
        assertThat(RequestIds.isValid("")).isFalse();
        assertThat(RequestIds.isValid("has space")).isFalse();
        assertThat(RequestIds.isValid("x".repeat(129))).isFalse();
        assertThat(RequestIds.isValid(null)).isFalse();
        RequestIds ids = new RequestIds(new ManualClock(), "telecom");
        assertThat(ids.next()).startsWith("telecom-").matches(RequestIds::isValid).isNotEqualTo(ids.next());
    }

}
