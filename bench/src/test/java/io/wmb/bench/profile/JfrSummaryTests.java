package io.wmb.bench.profile;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JfrSummaryTests {

    @Test
    void shouldCountTopFramesOwnFramesAndThreadPools() {
        String printed = sample("http-nio-8101-exec-3", "java.net.SocketInputStream.read(byte[]) line: 10",
                "io.wmb.processor.post.PostService.create(PostRequest) line: 42",
                "io.wmb.processor.web.PostController.create(PostRequest) line: 7")
                + sample("http-nio-8101-exec-11", "java.net.SocketInputStream.read(byte[]) line: 10",
                        "com.mysql.cj.NativeSession.execSQL() line: 3",
                        "io.wmb.processor.post.PostService.create(PostRequest) line: 50")
                + sample("wmb-processing-log-sender", "java.util.HashMap.get(Object) line: 1");

        JfrSummary summary = JfrSummary.parse(printed, "io.wmb.");

        assertThat(summary.samples()).isEqualTo(3);
        assertThat(summary.topFrames(1)).containsExactly(Map.entry("java.net.SocketInputStream.read(byte[])", 2));
        assertThat(summary.ownFrames(5))
            .containsExactly(Map.entry("io.wmb.processor.post.PostService.create(PostRequest)", 2));
        assertThat(summary.packages(5)).containsExactly(Map.entry("java.net", 2), Map.entry("java.util", 1));
        assertThat(summary.threads(5)).containsExactly(Map.entry("http-nio-8101-exec", 2),
                Map.entry("wmb-processing-log-sender", 1));
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
