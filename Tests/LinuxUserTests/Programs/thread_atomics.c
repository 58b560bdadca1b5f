// Four threads hammer shared counters with locked instructions (add, xadd, cmpxchg loops,
// xchg spinlock, 16-byte cmpxchg) and one counter under a mutex. Any lost update shows in
// the totals; the values are fixed by the counts alone.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

enum { threads = 4, iterations = 200000 };

static long added;                 // lock add
static long fetched;               // lock xadd
static long compared;              // lock cmpxchg loop
static unsigned long maximum;      // lock cmpxchg loop keeping the largest value
static long guarded;               // plain increments under an xchg spinlock
static long mutexed;               // plain increments under a mutex
static unsigned __int128 pair;     // lock cmpxchg16b: both halves move together
static int spin;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static long torn_pairs;

static void *work(void *arg) {
    long id = (long)arg;
    long seen_last = 0;
    for (long i = 0; i < iterations; i++) {
        __atomic_add_fetch(&added, 1, __ATOMIC_RELAXED);
        seen_last = __atomic_fetch_add(&fetched, 2, __ATOMIC_SEQ_CST);
        long old = __atomic_load_n(&compared, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(&compared, &old, old + 3, 1, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {}
        unsigned long candidate = (unsigned long)(i * threads + id);
        unsigned long current = __atomic_load_n(&maximum, __ATOMIC_RELAXED);
        while (candidate > current &&
               !__atomic_compare_exchange_n(&maximum, &current, candidate, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {}
        while (__atomic_exchange_n(&spin, 1, __ATOMIC_ACQUIRE)) __builtin_ia32_pause();
        guarded++;
        __atomic_store_n(&spin, 0, __ATOMIC_RELEASE);
        if ((i & 7) == 0) {
            pthread_mutex_lock(&mutex);
            mutexed++;
            pthread_mutex_unlock(&mutex);
            // The snapshot is read with cmpxchg16b too (a plain 16-byte read may tear).
            unsigned __int128 p = __sync_val_compare_and_swap(&pair, 0, 0);
            for (;;) {
                uint64_t low = (uint64_t)p, high = (uint64_t)(p >> 64);
                if (low != high) __atomic_add_fetch(&torn_pairs, 1, __ATOMIC_RELAXED);
                unsigned __int128 next = ((unsigned __int128)(high + 1) << 64) | (low + 1);
                unsigned __int128 seen = __sync_val_compare_and_swap(&pair, p, next);
                if (seen == p) break;
                p = seen;
            }
        }
    }
    return (void *)(long)(seen_last >= 0);
}

int main(void) {
    pthread_t t[threads];
    for (long i = 0; i < threads; i++) {
        if (pthread_create(&t[i], NULL, work, (void *)i) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    long ok = 0;
    for (int i = 0; i < threads; i++) {
        void *r;
        pthread_join(t[i], &r);
        ok += (long)r;
    }
    printf("threads %d x %d iterations (%ld joined)\n", threads, iterations, ok);
    printf("lock add      %ld\n", added);
    printf("lock xadd     %ld\n", fetched);
    printf("cmpxchg loop  %ld\n", compared);
    printf("cmpxchg max   %lu\n", maximum);
    printf("xchg spinlock %ld\n", guarded);
    printf("mutex         %ld\n", mutexed);
    printf("cmpxchg16b    %lu %lu, torn reads %ld\n", (unsigned long)pair, (unsigned long)(pair >> 64), torn_pairs);
    return 0;
}
