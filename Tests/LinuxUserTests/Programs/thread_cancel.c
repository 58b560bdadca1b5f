// pthread_cancel: a thread blocked in a cancellation point (pthread_cond_wait, then
// nanosleep) and one polling pthread_testcancel are cancelled; cleanup handlers run in reverse
// order (glibc unwinds the thread's stack, loading libgcc_s), joins see PTHREAD_CANCELED, a
// thread with cancellation disabled finishes its work, and an asynchronous cancel stops a loop.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static char log_text[512];
static volatile int started;

static void note(const char *text) {
    pthread_mutex_lock(&lock);
    strncat(log_text, text, sizeof log_text - strlen(log_text) - 1);
    pthread_mutex_unlock(&lock);
}

static void cleanup(void *text) { note((const char *)text); }
static void unlock_mutex(void *m) { pthread_mutex_unlock((pthread_mutex_t *)m); note("[unlock]"); }

static void *wait_forever(void *arg) {
    (void)arg;
    pthread_cleanup_push(cleanup, "[outer]");
    pthread_mutex_lock(&lock);
    pthread_cleanup_push(unlock_mutex, &lock);
    __atomic_store_n(&started, 1, __ATOMIC_SEQ_CST);
    for (;;) pthread_cond_wait(&never, &lock);
    pthread_cleanup_pop(1);
    pthread_cleanup_pop(1);
    return NULL;
}

static void *sleep_forever(void *arg) {
    (void)arg;
    pthread_cleanup_push(cleanup, "[sleeper]");
    __atomic_store_n(&started, 2, __ATOMIC_SEQ_CST);
    for (;;) {
        struct timespec ts = { 10, 0 };
        nanosleep(&ts, NULL);
    }
    pthread_cleanup_pop(0);
    return NULL;
}

static void *poll_cancel(void *arg) {
    (void)arg;
    pthread_cleanup_push(cleanup, "[poller]");
    __atomic_store_n(&started, 3, __ATOMIC_SEQ_CST);
    volatile unsigned long spins = 0;
    for (;;) {
        spins++;
        pthread_testcancel();
    }
    pthread_cleanup_pop(0);
    return NULL;
}

static void *uncancellable(void *arg) {
    (void)arg;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    __atomic_store_n(&started, 4, __ATOMIC_SEQ_CST);
    struct timespec ts = { 0, 20 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    return (void *)42;
}

static void *async_loop(void *arg) {
    (void)arg;
    pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
    __atomic_store_n(&started, 5, __ATOMIC_SEQ_CST);
    volatile unsigned long spins = 0;
    for (;;) spins++;
    return NULL;
}

static void run(const char *label, void *(*body)(void *), int mark) {
    pthread_t t;
    __atomic_store_n(&started, 0, __ATOMIC_SEQ_CST);
    if (pthread_create(&t, NULL, body, NULL) != 0) {
        perror("pthread_create");
        return;
    }
    while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) != mark) sched_yield();
    // The waiter holds the mutex until pthread_cond_wait releases it: take it once so the
    // cancel arrives while the thread is blocked, not before it waits.
    pthread_mutex_lock(&lock);
    pthread_mutex_unlock(&lock);
    int sent = pthread_cancel(t);
    void *result;
    int joined = pthread_join(t, &result);
    printf("%s: cancel %d, join %d, result %s, cleanup %s\n", label, sent, joined,
           result == PTHREAD_CANCELED ? "PTHREAD_CANCELED" : result == (void *)42 ? "42" : "other",
           log_text[0] ? log_text : "(none)");
    log_text[0] = 0;
}

int main(void) {
    run("blocked in pthread_cond_wait", wait_forever, 1);
    run("blocked in nanosleep", sleep_forever, 2);
    run("polling pthread_testcancel", poll_cancel, 3);
    run("cancellation disabled", uncancellable, 4);
    run("asynchronous cancel", async_loop, 5);
    return 0;
}
