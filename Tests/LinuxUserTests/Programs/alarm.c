// Timers and blocking calls interrupted by signals: alarm + pause, alarm's remaining time,
// setitimer + sigsuspend, a read interrupted with and without SA_RESTART, nanosleep's EINTR.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;
static int pipe_write_end = -1;

static void on_alarm(int sig) {
    (void)sig;
    alarms++;
    if (pipe_write_end >= 0) write(pipe_write_end, "!", 1);
}

static void install(int flags) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_alarm;
    action.sa_flags = flags;
    sigemptyset(&action.sa_mask);
    sigaction(SIGALRM, &action, NULL);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void interval(long microseconds) {
    struct itimerval timer = { { 0, 0 }, { 0, microseconds } };
    setitimer(ITIMER_REAL, &timer, NULL);
}

int main(void) {
    install(0);
    unsigned first = alarm(10);
    unsigned remaining_seconds = alarm(0);
    printf("alarm(10) returns %u, then alarm(0) returns %u\n", first, remaining_seconds);
    double start = now();
    alarm(1);
    int r = pause();
    printf("pause returned %d EINTR %d alarms %d waited about a second %d\n", r, errno == EINTR, (int)alarms,
           now() - start > 0.9 && now() - start < 5);

    sigset_t block, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, NULL);
    interval(50000);
    sigemptyset(&empty);
    r = sigsuspend(&empty);
    printf("sigsuspend returned %d EINTR %d alarms %d\n", r, errno == EINTR, (int)alarms);
    sigprocmask(SIG_UNBLOCK, &block, NULL);

    int fds[2];
    pipe(fds);
    pipe_write_end = fds[1];
    char byte = 0;
    install(0);
    interval(50000);
    errno = 0;
    ssize_t n = read(fds[0], &byte, 1);
    printf("read without SA_RESTART: %zd EINTR %d\n", n, errno == EINTR);
    n = read(fds[0], &byte, 1);
    printf("the handler's byte is still there: %zd '%c'\n", n, byte);
    install(SA_RESTART);
    interval(50000);
    byte = 0;
    n = read(fds[0], &byte, 1);
    printf("read with SA_RESTART: %zd '%c' alarms %d\n", n, byte, (int)alarms);
    pipe_write_end = -1;

    interval(50000);
    struct timespec request = { 5, 0 }, remaining = { 0, 0 };
    r = nanosleep(&request, &remaining);
    printf("nanosleep interrupted %d EINTR %d remaining between 4 and 5 s %d\n", r, errno == EINTR,
           remaining.tv_sec >= 4 && remaining.tv_sec <= 5);

    struct itimerval get;
    getitimer(ITIMER_REAL, &get);
    printf("timer disarmed %d\n", get.it_value.tv_sec == 0 && get.it_value.tv_usec == 0);

    // With no handler, SIGALRM ends the process.
    signal(SIGALRM, SIG_DFL);
    fflush(stdout);
    alarm(1);
    pause();
    puts("not reached");
    return 0;
}
