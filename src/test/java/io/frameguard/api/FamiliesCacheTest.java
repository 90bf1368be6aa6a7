package io.frameguard.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.frameguard.memory.AnomalyFamilies.FamilyMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The family map's cache: one computation at a time, and no request left waiting behind another's. */
class FamiliesCacheTest {

    private static FamilyMap map(String kind) {
        return new FamilyMap(kind, 0, 0.9, List.of(), List.of());
    }

    /** A computation that says it started, then waits for {@code release} before it answers with {@code then}. */
    private static java.util.function.Supplier<FamilyMap> blocking(CountDownLatch started, CountDownLatch release,
            java.util.function.Supplier<FamilyMap> then) {
        return () -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return then.get();
        };
    }

    @Test
    void whileAMapIsComputedTheSameQuestionWaitsForItAndAnotherIsTurnedAwayAtOnce() throws Exception {
        AnomalyResource.FamiliesCache cache = new AnomalyResource.FamiliesCache();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger computed = new AtomicInteger();
        CompletableFuture<FamilyMap> first = CompletableFuture.supplyAsync(() -> cache.get("a/5000", 1, blocking(started, release,
                () -> {
                    computed.incrementAndGet();
                    return map("a");
                })));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        // another limit while the first is computed: a busy answer now, not a worker thread held behind it
        assertThatThrownBy(() -> cache.get("a/4999", 1, () -> map("b"))).isInstanceOf(AnomalyResource.FamiliesCache.Busy.class);
        CompletableFuture<FamilyMap> same = CompletableFuture.supplyAsync(() -> cache.get("a/5000", 1, () -> {
            computed.incrementAndGet();
            return map("again");
        }));
        Thread.sleep(100);
        assertThat(same).isNotDone();
        release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).kind()).isEqualTo("a");
        assertThat(same.get(10, TimeUnit.SECONDS).kind()).isEqualTo("a");
        assertThat(computed).hasValue(1);
        // answered from the cache while the memory has not changed; another question computes anew once none is running
        assertThat(cache.get("a/5000", 1, () -> map("not asked")).kind()).isEqualTo("a");
        assertThat(cache.get("a/4999", 1, () -> map("b")).kind()).isEqualTo("b");
    }

    @Test
    void whileTheSameQuestionIsComputedAgainItsEarlierMapIsAnswered() throws Exception {
        AnomalyResource.FamiliesCache cache = new AnomalyResource.FamiliesCache();
        assertThat(cache.get("a/5000", 1, () -> map("old")).kind()).isEqualTo("old");
        Thread.sleep(AnomalyResource.FAMILIES_FRESH.toMillis() + 100); // no longer fresh, and the memory changed (version 2)
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<FamilyMap> recomputing = CompletableFuture.supplyAsync(() -> cache.get("a/5000", 2,
                blocking(started, release, () -> map("new"))));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(cache.get("a/5000", 2, () -> map("not asked")).kind()).isEqualTo("old");
        release.countDown();
        assertThat(recomputing.get(10, TimeUnit.SECONDS).kind()).isEqualTo("new");
    }

    @Test
    void aWaiterOnAComputationThatFailsHearsItsCause() throws Exception {
        AnomalyResource.FamiliesCache cache = new AnomalyResource.FamiliesCache();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<FamilyMap> failing = CompletableFuture.supplyAsync(() -> cache.get("a/1", 1, blocking(started, release, () -> {
            throw new IllegalArgumentException("no signatures of that kind");
        })));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Throwable> heard = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                cache.get("a/1", 1, () -> map("not asked"));
                heard.complete(null);
            } catch (RuntimeException e) {
                heard.complete(e);
            }
        });
        waiter.start();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (waiter.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < until) {
            Thread.sleep(10); // until it waits for the computation
        }
        release.countDown();
        assertThat(heard.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no signatures of that kind");
        assertThat(failing).failsWithin(java.time.Duration.ofSeconds(10));
    }

    @Test
    void aComputationThatFailsLeavesTheCacheFreeForTheNext() {
        AnomalyResource.FamiliesCache cache = new AnomalyResource.FamiliesCache();
        assertThatThrownBy(() -> cache.get("a/1", 1, () -> {
            throw new IllegalStateException("broken");
        })).hasMessageContaining("broken");
        assertThat(cache.get("a/2", 1, () -> map("next")).kind()).isEqualTo("next");
    }
}
