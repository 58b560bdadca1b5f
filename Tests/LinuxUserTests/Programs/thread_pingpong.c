// Two threads take turns through one mutex and two condition variables: each round the pinger
// hands the ball over and waits for it back. A lost wake-up hangs (the test's deadline), a
// broken mutex corrupts the counts. Then three threads meet at a reused barrier.
#include <pthread.h>
#include <stdio.h>

enum { rounds = 20000, barrier_rounds = 50 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t to_ponger = PTHREAD_COND_INITIALIZER;
static pthread_cond_t to_pinger = PTHREAD_COND_INITIALIZER;
static int ball;               // 0: the pinger holds it, 1: the ponger
static long pings, pongs;
static unsigned long sum;

static void *ponger(void *arg) {
    long seed = (long)arg;
    for (int i = 0; i < rounds; i++) {
        pthread_mutex_lock(&lock);
        while (ball != 1) pthread_cond_wait(&to_ponger, &lock);
        pongs++;
        sum = sum * 31 + (unsigned long)(seed + i);
        ball = 0;
        pthread_cond_signal(&to_pinger);
        pthread_mutex_unlock(&lock);
    }
    return (void *)(pongs * 2);
}

static pthread_barrier_t barrier;
static int arrivals[barrier_rounds];
static int serial_threads;

// Every thread must see all three arrivals of a round once past the barrier.
static void *meet(void *arg) {
    long missing = 0;
    for (int r = 0; r < barrier_rounds; r++) {
        __atomic_fetch_add(&arrivals[r], 1, __ATOMIC_SEQ_CST);
        if (pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD)
            __atomic_fetch_add(&serial_threads, 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&arrivals[r], __ATOMIC_SEQ_CST) != 3) missing++;
    }
    return (void *)(missing + (long)arg * 0);
}

int main(void) {
    pthread_t thread;
    if (pthread_create(&thread, NULL, ponger, (void *)7L) != 0) {
        perror("pthread_create");
        return 1;
    }
    for (int i = 0; i < rounds; i++) {
        pthread_mutex_lock(&lock);
        while (ball != 0) pthread_cond_wait(&to_pinger, &lock);
        pings++;
        sum ^= (unsigned long)i;
        ball = 1;
        pthread_cond_signal(&to_ponger);
        pthread_mutex_unlock(&lock);
    }
    void *result;
    pthread_join(thread, &result);
    printf("ping-pong: %ld pings, %ld pongs, thread returned %ld, sum %lx\n", pings, pongs, (long)result, sum);

    pthread_barrier_init(&barrier, NULL, 3);
    pthread_t others[2];
    for (long t = 0; t < 2; t++) pthread_create(&others[t], NULL, meet, (void *)t);
    long missing = (long)meet(NULL);
    for (int t = 0; t < 2; t++) {
        pthread_join(others[t], &result);
        missing += (long)result;
    }
    pthread_barrier_destroy(&barrier);
    printf("barrier: %d rounds, %d serial threads, %ld early leaves\n", barrier_rounds, serial_threads, missing);
    return 0;
}
