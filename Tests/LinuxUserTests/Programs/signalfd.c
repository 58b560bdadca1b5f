// Signals taken as data: signalfd (read, poll, epoll, changing its mask), sigtimedwait,
// sigwaitinfo and sigqueue values, for signals the program blocks; a handler installed for a
// blocked signal does not run. Prints derived facts only.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static void handler(int sig) { handled = sig; }

static void check(int ok, const char *what) {
    if (!ok) { printf("FAILED %s: %s\n", what, strerror(errno)); exit(1); }
}

static void show(const struct signalfd_siginfo *s) {
    printf("  signo %u (%s) code %d from me %d uid ok %d", s->ssi_signo, strsignal(s->ssi_signo), s->ssi_code,
           s->ssi_pid == (uint32_t)getpid(), s->ssi_uid == getuid());
    if (s->ssi_code == SI_QUEUE) printf(" value %d", s->ssi_int);
    printf("\n");
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGUSR2);
    sigaddset(&mask, SIGRTMIN + 1);
    check(sigprocmask(SIG_BLOCK, &mask, NULL) == 0, "sigprocmask");
    signal(SIGUSR1, handler);

    int fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    check(fd >= 0, "signalfd");
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    printf("nothing pending: %zd %s\n", n, strerror(errno));

    raise(SIGUSR1);
    kill(getpid(), SIGUSR2);
    union sigval value = {.sival_int = 42};
    check(sigqueue(getpid(), SIGRTMIN + 1, value) == 0, "sigqueue");
    value.sival_int = 43;
    sigqueue(getpid(), SIGRTMIN + 1, value);
    sigset_t pending;
    sigpending(&pending);
    printf("pending: USR1 %d USR2 %d RTMIN+1 %d\n", sigismember(&pending, SIGUSR1), sigismember(&pending, SIGUSR2),
           sigismember(&pending, SIGRTMIN + 1));

    struct pollfd p = {fd, POLLIN, 0};
    int ready = poll(&p, 1, 1000);
    printf("poll: %d readable %d\n", ready, (p.revents & POLLIN) != 0);
    struct signalfd_siginfo many[4];
    n = read(fd, many, sizeof many);
    printf("read %zd records\n", n / (ssize_t)sizeof info);
    for (int i = 0; i < n / (ssize_t)sizeof info; i++) show(&many[i]);
    n = read(fd, many, sizeof many);
    printf("read again: %zd %s\n", n, strerror(errno));
    printf("the handler ran: %d\n", handled != 0);
    n = read(fd, &info, 8);
    printf("short buffer: %zd %s\n", n, strerror(errno));

    // epoll on a signalfd, and a new mask on the same descriptor.
    sigset_t only2;
    sigemptyset(&only2);
    sigaddset(&only2, SIGUSR2);
    check(signalfd(fd, &only2, 0) == fd, "signalfd update");
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    raise(SIGUSR1);
    printf("after USR1 only: epoll %d\n", epoll_wait(ep, &ev, 1, 0));
    raise(SIGUSR2);
    ready = epoll_wait(ep, &ev, 1, 1000);
    printf("after USR2: epoll %d data %u\n", ready, ev.data.u32);
    read(fd, &info, sizeof info);
    show(&info);
    close(ep);
    close(fd);

    // USR1 is still pending: sigtimedwait takes it.
    siginfo_t si;
    struct timespec zero = {0, 0};
    int sig = sigtimedwait(&mask, &si, &zero);
    printf("sigtimedwait: %s code %d from me %d\n", sig > 0 ? strsignal(sig) : strerror(errno), si.si_code, si.si_pid == getpid());
    sig = sigtimedwait(&mask, &si, &zero);
    printf("sigtimedwait again: %d %s\n", sig, strerror(errno));
    struct timespec short_wait = {0, 10 * 1000 * 1000};
    sig = sigtimedwait(&mask, &si, &short_wait);
    printf("sigtimedwait 10 ms: %d %s\n", sig, strerror(errno));

    // A child's SIGCHLD, waited for with sigwaitinfo.
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    pid_t child = fork();
    if (child == 0) _exit(7);
    sig = sigwaitinfo(&chld, &si);
    printf("sigwaitinfo: %s code %s pid is the child %d status %d\n", strsignal(sig), si.si_code == CLD_EXITED ? "CLD_EXITED" : "?",
           si.si_pid == child, si.si_status);
    waitpid(child, NULL, 0);

    // sigqueue to the process with a signal it does not block and handles.
    sigprocmask(SIG_UNBLOCK, &mask, NULL);
    printf("the handler ran for the pending USR1 once unblocked: %d\n", handled == SIGUSR1);
    handled = 0;
    value.sival_int = 5;
    sigqueue(getpid(), SIGUSR1, value);
    printf("sigqueue to an unblocked signal ran the handler: %d\n", handled == SIGUSR1);
    return 0;
}
