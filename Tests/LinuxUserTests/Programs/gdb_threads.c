// A program for the gdb and --stats tests with threads: three workers, all started before
// any of them calls work(), each running work() with a known loop count (argv[1], 1000 by
// default); the main thread joins them and prints what they computed. With "segv" as argv[2]
// worker 1 then writes to address 16.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static long iterations = 1000;
static long results[3];
static pthread_barrier_t started;
static int segv;

long __attribute__((noinline)) work(long id) {
    long sum = 0;
    for (long i = 0; i < iterations; i++) {
        sum += (i ^ id) + id;
        __asm__ volatile("" : "+r"(sum));  // one add per iteration, not a closed form
    }
    return sum;
}

static void *worker(void *arg) {
    long id = (long)arg;
    pthread_barrier_wait(&started);
    results[id] = work(id);
    if (segv && id == 1) *(volatile long *)16 = results[id];
    return NULL;
}

int main(int argc, char **argv) {
    if (argc > 1) iterations = atol(argv[1]);
    segv = argc > 2 && argv[2][0] == 's';
    pthread_barrier_init(&started, NULL, 4);
    pthread_t threads[3];
    for (long i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, (void *)i);
    pthread_barrier_wait(&started);
    for (int i = 0; i < 3; i++) pthread_join(threads[i], NULL);
    printf("results %ld %ld %ld\n", results[0], results[1], results[2]);
    return 0;
}
