// Alternate signal stacks: a handler runs on the alternate stack only with SA_ONSTACK, sees
// SS_ONSTACK while there, and catches a stack overflow that leaves no room on the main stack.
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static char *alt_base;
static size_t alt_size;
static volatile int on_alt, flags_inside, sig_seen;
static sigjmp_buf escape;

static void on_usr(int sig) {
    char local;
    on_alt = (uintptr_t)&local >= (uintptr_t)alt_base && (uintptr_t)&local < (uintptr_t)alt_base + alt_size;
    stack_t now;
    sigaltstack(NULL, &now);
    flags_inside = now.ss_flags;
    sig_seen = sig;
}

static void on_overflow(int sig, siginfo_t *info, void *context) {
    char local;
    on_alt = (uintptr_t)&local >= (uintptr_t)alt_base && (uintptr_t)&local < (uintptr_t)alt_base + alt_size;
    sig_seen = sig;
    (void)info; (void)context;
    siglongjmp(escape, 1);
}

static unsigned long deepest;
__attribute__((noinline)) static unsigned long recurse(unsigned long depth) {
    volatile char frame[4096];
    frame[0] = (char)depth;
    frame[4095] = (char)depth;
    if (depth > deepest) deepest = depth;
    if (depth > 1000000) return 0;   // 4 GiB of stack: the overflow was not detected
    return recurse(depth + 1) + frame[0] + frame[4095];
}

int main(void) {
    alt_size = 64 * 1024;
    alt_base = malloc(alt_size);
    stack_t stack = { .ss_sp = alt_base, .ss_size = alt_size, .ss_flags = 0 }, old;
    printf("sigaltstack set %d\n", sigaltstack(&stack, &old));
    printf("previous disabled %d\n", (old.ss_flags & SS_DISABLE) != 0);
    stack_t query;
    sigaltstack(NULL, &query);
    printf("query: size matches %d base matches %d flags %d\n", query.ss_size == alt_size, query.ss_sp == alt_base, query.ss_flags);

    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_usr;
    sigemptyset(&action.sa_mask);
    sigaction(SIGUSR1, &action, NULL);
    raise(SIGUSR1);
    printf("without SA_ONSTACK: signal %d on alternate stack %d flags %d\n", sig_seen, on_alt, flags_inside);
    action.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &action, NULL);
    raise(SIGUSR1);
    printf("with SA_ONSTACK: signal %d on alternate stack %d flags %d (SS_ONSTACK %d)\n", sig_seen, on_alt, flags_inside, SS_ONSTACK);

    stack_t tiny = { .ss_sp = alt_base, .ss_size = 1024, .ss_flags = 0 };
    printf("too small: %d\n", sigaltstack(&tiny, NULL) == -1);

    // Overflow the main stack (kept to 8 MiB so the test ends quickly) into its guard gap.
    struct rlimit limit = { 8 << 20, 8 << 20 };
    setrlimit(RLIMIT_STACK, &limit);
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_overflow;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, NULL);
    sig_seen = 0;
    on_alt = 0;
    if (sigsetjmp(escape, 1) == 0) {
        recurse(0);
        puts("overflow not detected");
    } else {
        printf("overflow caught: signal %d on alternate stack %d deep %d\n", sig_seen, on_alt, deepest > 100);
    }
    stack_t disable = { .ss_flags = SS_DISABLE };
    sigaltstack(&disable, NULL);
    sigaltstack(NULL, &query);
    printf("disabled %d\n", (query.ss_flags & SS_DISABLE) != 0);
    return 0;
}
