package io.wmb.bench.profile;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProfileSummaryTests {

    @Test
    void shouldCountTopFramesOwnFramesAndThreadPoolsOfAJfrRecording() {
        String printed = sample("http-nio-8101-exec-3", "java.net.SocketInputStream.read(byte[]) line: 10",
                "io.wmb.processor.post.PostService.create(PostRequest) line: 42",
                "io.wmb.processor.web.PostController.create(PostRequest) line: 7")
                + sample("http-nio-8101-exec-11", "java.net.SocketInputStream.read(byte[]) line: 10",
                        "com.mysql.cj.NativeSession.execSQL() line: 3",
                        "io.wmb.processor.post.PostService.create(PostRequest) line: 50")
                + sample("wmb-processing-log-sender", "java.util.HashMap.get(Object) line: 1");

        ProfileSummary summary = ProfileSummary.parseJfr(printed, "io.wmb.");

        assertThat(summary.samples()).isEqualTo(3);
        assertThat(summary.topFrames(1)).containsExactly(Map.entry("java.net.SocketInputStream.read(byte[])", 2));
        assertThat(summary.ownFrames(5))
            .containsExactly(Map.entry("io.wmb.processor.post.PostService.create(PostRequest)", 2));
        assertThat(summary.packages(5)).containsExactly(Map.entry("java.net", 2), Map.entry("java.util", 1));
        assertThat(summary.threads(5)).containsExactly(Map.entry("http-nio-8101-exec", 2),
                Map.entry("wmb-processing-log-sender", 1));
    }

    @Test
    void shouldCountJavaNativeAndKernelFramesOfCollapsedStacks() {
        String collapsed = stack("outbox-writer tid=41", 7, "java/lang/Thread.run",
                "io/wmb/reship/outbox/Outbox.commit", "org/rocksdb/RocksDB.write0", "rocksdb::DBImpl::Write",
                "fdatasync_[k]")
                + stack("reship-forwarder tid=42", 30, "java/lang/Thread.run", "io/wmb/reship/forward/Forwarder.onAck",
                        "io/wmb/reship/outbox/Outbox.delete", "org/rocksdb/RocksDB.iterator",
                        "rocksdb::MemTableIterator::key")
                + stack("reship-forwarder tid=42", 3, "java/lang/Thread.run", "io/wmb/reship/forward/Forwarder.onAck",
                        "/tmp/librocksdbjni4510461417.so")
                + stack("grpc-default-worker-ELG-1-2 tid=43", 10, "java/lang/Thread.run",
                        "io/netty/channel/nio/NioEventLoop.run")
                + stack("C2 CompilerThre tid=9", 2, "thread_native_entry", "PhaseIdealLoop::build_loop_tree");

        ProfileSummary summary = ProfileSummary.parseCollapsed(collapsed, "io.wmb.");

        assertThat(summary.samples()).isEqualTo(52);
        assertThat(summary.topFrames(2)).containsExactly(Map.entry("rocksdb::MemTableIterator::key", 30),
                Map.entry("io.netty.channel.nio.NioEventLoop.run", 10));
        assertThat(summary.ownFrames(5)).containsExactly(Map.entry("io.wmb.reship.outbox.Outbox.delete", 30),
                Map.entry("io.wmb.reship.outbox.Outbox.commit", 7),
                Map.entry("io.wmb.reship.forward.Forwarder.onAck", 3));
        assertThat(summary.packages(6)).containsExactly(Map.entry("(native) rocksdb", 30),
                Map.entry("io.netty.channel", 10), Map.entry("(kernel)", 7),
                Map.entry("(native) librocksdbjni.so", 3), Map.entry("(JIT compiler)", 2));
        assertThat(summary.threads(5)).containsExactly(Map.entry("reship-forwarder", 33),
                Map.entry("grpc-default-worker-ELG-1", 10), Map.entry("outbox-writer", 7),
                Map.entry("C2 CompilerThre", 2));
    }

    /** One line of async-profiler's collapsed output: thread, frames from the root, count. */
    private static String stack(String thread, int count, String... frames) {
        return "[" + thread + "];" + String.join(";", frames) + " " + count + "\n";
    }

    private static String sample(String thread, String... frames) {
        StringBuilder text = new StringBuilder("jdk.ExecutionSample {\n  startTime = 14:00:01.123 (2026-11-24)\n"
                + "  sampledThread = \"" + thread + "\" (javaThreadId = 51)\n  state = \"STATE_RUNNABLE\"\n"
                + "  stackTrace = [\n");
        for (String frame : frames) {
            text.append("    ").append(frame).append('\n');
        }
        return text.append("    ...\n  ]\n}\n\n").toString();
    }
}
