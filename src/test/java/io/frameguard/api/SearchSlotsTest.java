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
        AnomalyResource.SearchSlots slots = new AnomalyResource.SearchSlots(2, Duration.ofMillis(200));
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

    @Test
    void aSearchThatFailsGivesItsSlotBack() {
        AnomalyResource.SearchSlots slots = new AnomalyResource.SearchSlots(1, Duration.ofMillis(50));
        assertThatThrownBy(() -> slots.run(() -> {
            throw new IllegalStateException("the model failed");
        })).hasMessage("the model failed");
        assertThat(slots.run(() -> Response.ok("next").build()).getEntity()).isEqualTo("next");
    }
}
