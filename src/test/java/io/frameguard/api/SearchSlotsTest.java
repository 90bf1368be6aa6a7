package io.frameguard.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Searches by frame run the model: only so many at once, and one past them is turned away, not queued for good. */
class SearchSlotsTest {

    /** A search that says it started and holds its slot until {@code release}. */
    private static CompletableFuture<Response> holding(AnomalyResource.SearchSlots slots, CountDownLatch started,
            CountDownLatch release) {
        return CompletableFuture.supplyAsync(() -> slots.run(() -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return Response.ok("held").build();
        }));
    }

    @Test
    void aSearchPastTheBoundWaitsItsTimeThenIsTurnedAwayAndRunsOnceASlotIsFree() throws Exception {
        AnomalyResource.SearchSlots slots = new AnomalyResource.SearchSlots(2, 8, Duration.ofMillis(200));
        CountDownLatch started = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Response> first = holding(slots, started, release);
        CompletableFuture<Response> second = holding(slots, started, release);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        long before = System.nanoTime();
        assertThatThrownBy(() -> slots.run(() -> Response.ok("third").build())).isInstanceOf(AnomalyResource.SearchSlots.Busy.class);
        assertThat(System.nanoTime() - before).isGreaterThanOrEqualTo(Duration.ofMillis(200).toNanos());

        release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).getEntity()).isEqualTo("held");
        assertThat(second.get(10, TimeUnit.SECONDS).getEntity()).isEqualTo("held");
        assertThat(slots.run(() -> Response.ok("after").build()).getEntity()).isEqualTo("after");
    }

    /**
     * Each waiting search holds a worker thread of the API: past the places to wait in, a search is turned away at once,
     * so that a reader sending searches in parallel cannot hold every worker thread for the wait.
     */
    @Test
    void pastThePlacesToWaitInASearchIsTurnedAwayAtOnce() throws Exception {
        AnomalyResource.SearchSlots slots = new AnomalyResource.SearchSlots(1, 1, Duration.ofSeconds(30));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Response> running = holding(slots, started, release);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Response> waiting = CompletableFuture.supplyAsync(() -> slots.run(() -> Response.ok("waited").build()));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (slots.waiting() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(slots.waiting() == 1).as("the second search waits").isTrue();

        long before = System.nanoTime();
        assertThatThrownBy(() -> slots.run(() -> Response.ok("third").build())).isInstanceOf(AnomalyResource.SearchSlots.Busy.class);
        assertThat(System.nanoTime() - before).as("turned away without waiting").isLessThan(Duration.ofSeconds(5).toNanos());

        release.countDown();
        assertThat(running.get(10, TimeUnit.SECONDS).getEntity()).isEqualTo("held");
        assertThat(waiting.get(10, TimeUnit.SECONDS).getEntity()).isEqualTo("waited");
    }

    @Test
    void aSearchThatFailsGivesItsSlotBack() {
        AnomalyResource.SearchSlots slots = new AnomalyResource.SearchSlots(1, 8, Duration.ofMillis(50));
        assertThatThrownBy(() -> slots.run(() -> {
            throw new IllegalStateException("the model failed");
        })).hasMessage("the model failed");
        assertThat(slots.run(() -> Response.ok("next").build()).getEntity()).isEqualTo("next");
    }
}
