// The waits that take a temporary signal mask (ppoll, pselect6, epoll_pwait, epoll_pwait2,
// and rt_sigsuspend for comparison): a signal the temporary mask lets through interrupts the
// wait with EINTR, its handler runs with the temporary mask (plus sa_mask and the signal),
// the frame's uc_sigmask is the caller's mask, and the caller's mask is back afterwards. A
// signal that is already pending, one that arrives during the wait (a timer), one whose
// handler asks for SA_RESTART (these calls still fail with EINTR), and a wait that finds a
// descriptor ready (no handler runs; the signal stays pending), also when the pending signal
// is one Mimic holds itself (SIGFPE sent to itself). Prints derived facts only.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif

static const int shown[] = {SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM};
static const char *const names[] = {"HUP", "USR1", "USR2", "ALRM", "TERM"};

static volatile sig_atomic_t handled, handlerRuns;
static sigset_t inHandler, savedInFrame;

static void handler(int sig, siginfo_t *info, void *context) {
    (void)info;
    handled = sig;
    handlerRuns++;
    sigprocmask(SIG_BLOCK, NULL, &inHandler);
    savedInFrame = ((ucontext_t *)context)->uc_sigmask;
}

static void check(int ok, const char *what) {
    if (!ok) { printf("FAILED %s: %s\n", what, strerror(errno)); exit(1); }
}

static void printSet(const char *label, const sigset_t *set) {
    printf(" %s={", label);
    const char *separator = "";
    for (unsigned i = 0; i < sizeof shown / sizeof shown[0]; i++) {
        if (sigismember(set, shown[i])) { printf("%s%s", separator, names[i]); separator = ","; }
    }
    printf("}");
}

static void install(int sig, int flags) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = handler;
    action.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, SIGTERM);
    check(sigaction(sig, &action, NULL) == 0, "sigaction");
}

enum Call { PPOLL, PSELECT, EPOLL_PWAIT, EPOLL_PWAIT2, SIGSUSPEND };
static const char *const callNames[] = {"ppoll", "pselect6", "epoll_pwait", "epoll_pwait2", "rt_sigsuspend"};
static int pipeRead, pipeWrite, epollFd;

/// Waits up to 5 s on `fd` (readable) with `mask` as the temporary mask.
static int wait(enum Call call, int fd, const sigset_t *mask) {
    struct timespec timeout = {5, 0};
    switch (call) {
    case PPOLL: {
        struct pollfd p = {fd, POLLIN, 0};
        return ppoll(&p, 1, &timeout, mask);
    }
    case PSELECT: {
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(fd, &readable);
        return pselect(fd + 1, &readable, NULL, NULL, &timeout, mask);
    }
    case EPOLL_PWAIT: {
        struct epoll_event event;
        return epoll_pwait(epollFd, &event, 1, 5000, mask);
    }
    case EPOLL_PWAIT2: {
        struct epoll_event event;
        return (int)syscall(SYS_epoll_pwait2, epollFd, &event, 1, &timeout, mask, 8);
    }
    case SIGSUSPEND:
        return sigsuspend(mask);
    }
    return -2;
}

static void report(enum Call call, const char *how, int result, int error) {
    sigset_t after;
    sigprocmask(SIG_BLOCK, NULL, &after);
    printf("%s, %s: result %d %s, handler %s runs %d", callNames[call], how, result, result < 0 ? strerrorname_np(error) : "-",
           handled ? sigabbrev_np(handled) : "none", (int)handlerRuns);
    if (handlerRuns) {
        printSet("in-handler", &inHandler);
        printSet("saved", &savedInFrame);
    }
    printSet("after", &after);
    printf("\n");
    handled = 0;
    handlerRuns = 0;
    sigemptyset(&inHandler);
    sigemptyset(&savedInFrame);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int fds[2];
    check(pipe(fds) == 0, "pipe");
    pipeRead = fds[0];
    pipeWrite = fds[1];
    epollFd = epoll_create1(EPOLL_CLOEXEC);
    check(epollFd >= 0, "epoll_create1");
    struct epoll_event event = {.events = EPOLLIN, .data.fd = pipeRead};
    check(epoll_ctl(epollFd, EPOLL_CTL_ADD, pipeRead, &event) == 0, "epoll_ctl");

    // The caller's mask: HUP, USR1 and ALRM blocked. The temporary one: only USR2.
    sigset_t original, temporary;
    sigemptyset(&original);
    sigaddset(&original, SIGHUP);
    sigaddset(&original, SIGUSR1);
    sigaddset(&original, SIGALRM);
    check(sigprocmask(SIG_SETMASK, &original, NULL) == 0, "sigprocmask");
    sigemptyset(&temporary);
    sigaddset(&temporary, SIGUSR2);
    install(SIGUSR1, 0);
    install(SIGALRM, SA_RESTART);

    for (enum Call call = PPOLL; call <= SIGSUSPEND; call++) {
        // Pending before the call: the wait ends at once.
        raise(SIGUSR1);
        int result = wait(call, pipeRead, &temporary);
        report(call, "USR1 already pending", result, errno);

        // Arriving during the wait (SA_RESTART: these calls are not restarted).
        struct itimerval timer = {{0, 0}, {0, 20000}};
        check(setitimer(ITIMER_REAL, &timer, NULL) == 0, "setitimer");
        result = wait(call, pipeRead, &temporary);
        report(call, "ALRM during the wait", result, errno);

        if (call == SIGSUSPEND) continue;
        // A descriptor ready: the call returns it, the caller's mask is back at once and
        // the signal the temporary mask let through stays pending.
        check(write(pipeWrite, "x", 1) == 1, "write");
        raise(SIGUSR1);
        result = wait(call, pipeRead, &temporary);
        sigset_t pending;
        sigpending(&pending);
        report(call, "pipe ready, USR1 pending", result, errno);
        printf("  still pending: USR1 %d\n", sigismember(&pending, SIGUSR1));
        char byte;
        check(read(pipeRead, &byte, 1) == 1, "read");
        sigset_t usr1;
        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        int taken = sigtimedwait(&usr1, NULL, &(struct timespec){0, 0});
        printf("  taken by sigtimedwait: %s\n", taken > 0 ? sigabbrev_np(taken) : "none");
    }

    // A signal sent to itself that Linux queues like any other but Mimic keeps for the
    // guest itself (SIGFPE: the host has it for Mimic's own faults), blocked by the caller's
    // mask and let through by the temporary one. With the pipe ready the call still reports
    // the descriptor (Linux looks at descriptors before signals), the signal stays pending
    // and runs its handler once the caller unblocks it; with nothing ready it is EINTR.
    install(SIGFPE, 0);
    sigset_t fpe;
    sigemptyset(&fpe);
    sigaddset(&fpe, SIGFPE);
    check(sigprocmask(SIG_BLOCK, &fpe, NULL) == 0, "block FPE");
    for (enum Call call = PPOLL; call < SIGSUSPEND; call++) {
        check(write(pipeWrite, "x", 1) == 1, "write");
        kill(getpid(), SIGFPE);
        int result = wait(call, pipeRead, &temporary);
        int error = errno;
        sigset_t pending;
        sigpending(&pending);
        printf("%s, pipe ready, FPE pending: result %d %s, handler runs %d, FPE still pending %d\n", callNames[call], result,
               result < 0 ? strerrorname_np(error) : "-", (int)handlerRuns, sigismember(&pending, SIGFPE));
        char byte;
        check(read(pipeRead, &byte, 1) == 1, "read");
        check(sigprocmask(SIG_UNBLOCK, &fpe, NULL) == 0, "unblock FPE");
        printf("  unblocked: handler %s runs %d\n", handled ? sigabbrev_np(handled) : "none", (int)handlerRuns);
        handled = 0;
        handlerRuns = 0;
        check(sigprocmask(SIG_BLOCK, &fpe, NULL) == 0, "block FPE");
        kill(getpid(), SIGFPE);
        result = wait(call, pipeRead, &temporary);
        error = errno;
        sigpending(&pending);
        printf("%s, nothing ready, FPE pending: result %d %s, handler %s runs %d, FPE still pending %d\n", callNames[call], result,
               result < 0 ? strerrorname_np(error) : "-", handled ? sigabbrev_np(handled) : "none", (int)handlerRuns,
               sigismember(&pending, SIGFPE));
        handled = 0;
        handlerRuns = 0;
    }
    check(sigprocmask(SIG_UNBLOCK, &fpe, NULL) == 0, "unblock FPE");

    // No temporary mask (NULL): the caller's mask stays, the timer's signal stays blocked.
    struct pollfd p = {pipeRead, POLLIN, 0};
    int result = ppoll(&p, 1, &(struct timespec){0, 50000000}, NULL);
    report(PPOLL, "NULL mask, 50 ms", result, errno);

    // A temporary mask that blocks what the caller's lets through (USR2, sent by itself):
    // it waits until the timeout, and the handler runs once the caller's mask is back.
    install(SIGUSR2, 0);
    sigset_t blockUsr2 = original;
    sigaddset(&blockUsr2, SIGUSR2);
    check(sigprocmask(SIG_BLOCK, &blockUsr2, NULL) == 0, "block USR2");
    raise(SIGUSR2);
    sigset_t withoutUsr2 = original;
    check(sigprocmask(SIG_SETMASK, &blockUsr2, NULL) == 0, "mask");
    result = ppoll(&p, 1, &(struct timespec){0, 10000000}, &blockUsr2);
    report(PPOLL, "USR2 blocked by both, 10 ms", result, errno);
    check(sigprocmask(SIG_SETMASK, &withoutUsr2, NULL) == 0, "unblock USR2");
    report(PPOLL, "USR2 unblocked afterwards", 0, 0);
    return 0;
}
