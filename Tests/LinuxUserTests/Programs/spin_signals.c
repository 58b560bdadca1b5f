// Signals that arrive while guest code spins without a single system call: a timer's
// SIGALRM into a busy loop, a signal that kills a spinning program, and (built with
// -pthread) signals sent with pthread_kill to one spinning thread of several, each handled
// on that thread, and a process-wide signal while every thread spins.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

static void install(int sig, void (*handler)(int)) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    sigaction(sig, &action, NULL);
}

// The busy loop: memory traffic only, no calls.
static unsigned long spin_until(volatile sig_atomic_t *flag, int value) {
    unsigned long n = 0;
    while (*flag < value) n++;
    return n;
}

#define THREADS 3
static atomic_int started;
static volatile sig_atomic_t stop_all;
static pid_t handled_on[THREADS + 1];
static volatile sig_atomic_t hits[THREADS];
static pid_t tids[THREADS];
static __thread int my_index = -1;

static void on_usr1(int sig) {
    (void)sig;
    if (my_index >= 0) {
        handled_on[my_index] = (pid_t)syscall(SYS_gettid);
        hits[my_index]++;
    }
}

static void on_usr2(int sig) { (void)sig; stop_all = 1; }

static void *spinner(void *arg) {
    my_index = (int)(long)arg;
    tids[my_index] = (pid_t)syscall(SYS_gettid);
    atomic_fetch_add(&started, 1);
    unsigned long n = 0;
    while (!stop_all) {
        n++;
    }
    return (void *)n;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    install(SIGALRM, on_alarm);
    struct itimerval every = { .it_interval = { 0, 20000 }, .it_value = { 0, 20000 } };
    setitimer(ITIMER_REAL, &every, NULL);
    spin_until(&alarms, 5);
    struct itimerval off = { 0 };
    setitimer(ITIMER_REAL, &off, NULL);
    printf("busy loop: %d alarms handled\n", (int)alarms);

    install(SIGUSR1, on_usr1);
    install(SIGUSR2, on_usr2);
    pthread_t threads[THREADS];
    for (long i = 0; i < THREADS; i++) pthread_create(&threads[i], NULL, spinner, (void *)i);
    while (atomic_load(&started) < THREADS) {}
    // One signal to each spinning thread in turn: its handler runs on it.
    for (int i = 0; i < THREADS; i++) {
        pthread_kill(threads[i], SIGUSR1);
        while (!hits[i]) {}
    }
    int same = 0;
    for (int i = 0; i < THREADS; i++) same += handled_on[i] == tids[i];
    printf("pthread_kill: %d of %d handlers ran on their thread\n", same, THREADS);
    // A process-wide signal while all of them spin: some thread takes it and they all stop.
    kill(getpid(), SIGUSR2);
    unsigned long total = 0;
    for (int i = 0; i < THREADS; i++) {
        void *n;
        pthread_join(threads[i], &n);
        total += (unsigned long)n > 0;
    }
    printf("kill: %lu threads stopped\n", total);

    // Killed while spinning: SIGALRM's default action ends the program.
    alarm(1);
    install(SIGALRM, SIG_DFL);
    spin_until(&alarms, 1000);
    printf("not reached\n");
    return 0;
}
