// A thread that touches unmapped memory: the SIGSEGV handler runs on that thread (same tid),
// sees the faulting address, and siglongjmps back into the thread, which goes on and returns
// normally. The main thread, meanwhile, keeps running and joins it. Then the same again with
// the handler on an alternate signal stack set up by the thread.
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static __thread sigjmp_buf *recovery;
static __thread pid_t handler_tid;
static __thread uintptr_t fault_address;
static __thread int on_alternate_stack;

static void on_segv(int sig, siginfo_t *info, void *context) {
    (void)context;
    handler_tid = (pid_t)syscall(SYS_gettid);
    fault_address = (uintptr_t)info->si_addr;
    stack_t current;
    sigaltstack(NULL, &current);
    on_alternate_stack = (current.ss_flags & SS_ONSTACK) != 0;
    if (recovery) siglongjmp(*recovery, sig);
    _exit(99);
}

struct result {
    int caught;
    int same_tid;
    uintptr_t address;
    int alternate;
    long after;
    int mask_restored;
};

static void *fault(void *arg) {
    long use_altstack = (long)arg;
    struct result *r = calloc(1, sizeof *r);
    if (use_altstack) {
        stack_t ss = { .ss_sp = malloc(1 << 16), .ss_size = 1 << 16, .ss_flags = 0 };
        sigaltstack(&ss, NULL);
    }
    sigjmp_buf here;
    recovery = &here;
    pid_t me = (pid_t)syscall(SYS_gettid);
    int sig = sigsetjmp(here, 1);
    if (sig == 0) {
        volatile int *bad = (volatile int *)(uintptr_t)(0x10 + use_altstack * 0x100);
        *bad = 1;
        r->caught = -1;   // not reached
    } else {
        r->caught = sig;
    }
    recovery = NULL;
    r->same_tid = handler_tid == me;
    r->address = fault_address;
    r->alternate = on_alternate_stack;
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    r->mask_restored = !sigismember(&now, SIGSEGV);
    long after = 0;
    for (int i = 1; i <= 100; i++) after += i;
    r->after = after;
    return r;
}

int main(void) {
    struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_ONSTACK };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    for (long altstack = 0; altstack <= 1; altstack++) {
        pthread_t t;
        if (pthread_create(&t, NULL, fault, (void *)altstack) != 0) {
            perror("pthread_create");
            return 1;
        }
        long spin = 0;
        for (int i = 0; i < 100000; i++) spin += i & 3;
        struct result *r;
        pthread_join(t, (void **)&r);
        printf("thread %s: signal %d, handler on the faulting thread %s, address %#lx, alternate stack %s, "
               "SIGSEGV unblocked after siglongjmp %s, went on to %ld; main thread %ld\n",
               altstack ? "with sigaltstack" : "on its own stack", r->caught, r->same_tid ? "yes" : "no",
               (unsigned long)r->address, r->alternate ? "yes" : "no", r->mask_restored ? "yes" : "no", r->after, spin);
        free(r);
    }
    return 0;
}
