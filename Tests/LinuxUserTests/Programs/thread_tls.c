// Thread-local storage: initialised __thread variables (the TLS image copied per thread),
// zero-initialised ones, a thread-local array, errno, and pthread keys with destructors. Each
// thread works on its own copies; the main thread prints what they report after joining.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { threads = 4 };

static __thread long counter = 1000;
static __thread char name[16] = "main";
static __thread int zeroed[64];
static pthread_key_t key;
static int destructor_runs;
static long destructor_sum;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

struct report {
    long counter;
    char name[16];
    long zero_sum;
    int errno_seen;
    int distinct;      // this thread's copy is not the main thread's
    int initial_ok;    // the copy started from the TLS image, not from the main thread's value
};

static long *main_counter;
static struct report reports[threads];

static void destroy(void *value) {
    pthread_mutex_lock(&lock);
    destructor_runs++;
    destructor_sum += (long)value;
    pthread_mutex_unlock(&lock);
}

static void *work(void *arg) {
    long id = (long)arg;
    struct report *r = &reports[id];
    r->initial_ok = counter == 1000 && strcmp(name, "main") == 0;
    r->distinct = &counter != main_counter;
    long zero_sum = 0;
    for (int i = 0; i < 64; i++) zero_sum += zeroed[i];
    for (int i = 0; i < 64; i++) zeroed[i] = (int)(id + i);
    snprintf(name, sizeof name, "worker-%ld", id);
    for (int i = 0; i < 1000 * (id + 1); i++) {
        counter += id;
        if (i % 97 == 0) sched_yield();
    }
    errno = 0;
    if (close(-1 - (int)id) != 0) r->errno_seen = errno;
    pthread_setspecific(key, (void *)(id * 10 + 1));
    r->counter = counter;
    memcpy(r->name, name, sizeof name);
    r->zero_sum = zero_sum;
    for (int i = 0; i < 64; i++) r->zero_sum += zeroed[i];
    return NULL;
}

int main(void) {
    main_counter = &counter;
    counter = 5;
    strcpy(name, "changed");
    pthread_key_create(&key, destroy);
    pthread_t t[threads];
    for (long i = 0; i < threads; i++) {
        if (pthread_create(&t[i], NULL, work, (void *)i) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < threads; i++) {
        struct report *r = &reports[i];
        printf("thread %d: counter %ld, name %s, zeroed then own sum %ld, errno %d (%s), own copy %s, started from the image %s\n",
               i, r->counter, r->name, r->zero_sum, r->errno_seen, strerror(r->errno_seen), r->distinct ? "yes" : "no",
               r->initial_ok ? "yes" : "no");
    }
    printf("main: counter %ld, name %s, key destructors %d (sum %ld)\n", counter, name, destructor_runs, destructor_sum);
    return 0;
}
