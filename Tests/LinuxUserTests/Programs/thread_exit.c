// How threads end: a thread that returns (its joiner wakes through CLONE_CHILD_CLEARTID), one
// that calls pthread_exit, the main thread leaving with pthread_exit while a worker goes on
// (the process lives until the last thread), and exit() from that worker ending the process
// with its status while another thread still spins.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *returns(void *arg) { return (void *)((long)arg * 2); }

static void *exits(void *arg) {
    pthread_exit((void *)((long)arg + 100));
    return NULL;
}

static volatile int forever = 1;
static void *spins(void *arg) {
    (void)arg;
    while (forever) {}
    return NULL;
}

static void *last(void *arg) {
    pthread_t main_thread = *(pthread_t *)arg;
    // The main thread has gone (pthread_exit); joining it works as for any thread.
    void *result;
    int joined = pthread_join(main_thread, &result);
    printf("worker: joined the main thread %d, it left with %ld\n", joined, (long)result);
    exit(3);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    pthread_t t;
    void *result;
    pthread_create(&t, NULL, returns, (void *)21);
    pthread_join(t, &result);
    printf("returned %ld\n", (long)result);
    pthread_create(&t, NULL, exits, (void *)5);
    pthread_join(t, &result);
    printf("pthread_exit %ld\n", (long)result);

    pthread_t spinner;
    pthread_create(&spinner, NULL, spins, NULL);
    static pthread_t me;
    me = pthread_self();
    pthread_create(&t, NULL, last, &me);
    pthread_exit((void *)7);
}
