#define _GNU_SOURCE
#include "linux_user.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

// What the handler records, per host thread: each guest thread runs on its own host thread,
// and the host kernel already picks the thread a signal goes to (a thread-directed signal to
// its thread, a process-directed one to a thread that does not block it, the guest's masks
// being the host's). A thread that runs no guest code records into the shared set instead.
typedef struct Recorded {
    _Atomic uint64_t pending;
    siginfo_t info[65];
    _Atomic uint32_t counts[65];
} Recorded;

static Recorded shared;
static _Thread_local Recorded mine;
static _Thread_local int bound;
static _Thread_local _Atomic uint32_t *exit_word;
static _Thread_local uint32_t exit_bits;

static void record(int sig, siginfo_t *info, void *context) {
    (void)context;
    if (sig < 1 || sig > 64) return;
    Recorded *r = bound ? &mine : &shared;
    r->info[sig] = *info;
    atomic_fetch_add_explicit(&r->counts[sig], 1, memory_order_relaxed);
    atomic_fetch_or_explicit(&r->pending, (uint64_t)1 << (sig - 1), memory_order_release);
    if (exit_word) atomic_fetch_or_explicit(exit_word, exit_bits, memory_order_seq_cst);
}

void mimic_signal_bind_thread(uint32_t *exit_request, uint32_t bits) {
    bound = 1;
    exit_word = (_Atomic uint32_t *)exit_request;
    exit_bits = bits;
}

// The kernel's struct sigaction (not glibc's): glibc's sigaction() refuses the signals its
// own threads library reserves (32 and 33), which a guest's threads library uses too.
struct kernel_sigaction {
    void (*handler)(int, siginfo_t *, void *);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

// Where a handler returns: the kernel's sigreturn (x86-64 needs one given with SA_RESTORER).
void mimic_signal_restorer(void);
__asm__(".text\n"
        ".globl mimic_signal_restorer\n"
        ".hidden mimic_signal_restorer\n"
        ".type mimic_signal_restorer, @function\n"
        "mimic_signal_restorer:\n"
        "    mov $15, %eax\n"
        "    syscall\n");

int mimic_signal_catch(int sig, int flags) {
    struct kernel_sigaction action = {
        .handler = record,
        // No SA_RESTART: a blocking host call made for the guest returns EINTR, so the run
        // loop can deliver the signal and decide about restarting as the guest's handler asks.
        .flags = SA_SIGINFO | 0x04000000 /* SA_RESTORER */ | (flags & (SA_NOCLDSTOP | SA_NOCLDWAIT)),
        .restorer = mimic_signal_restorer,
        .mask = ~(uint64_t)0,
    };
    long r = mimic_host_syscall(13 /* rt_sigaction */, sig, (long)&action, 0, 8, 0, 0);
    return r == 0 ? 0 : (int)-r;
}

uint64_t mimic_signal_take_pending(void) {
    uint64_t taken = atomic_exchange_explicit(&mine.pending, 0, memory_order_acquire);
    return taken | atomic_exchange_explicit(&shared.pending, 0, memory_order_acquire);
}

uint32_t mimic_signal_take_count(int sig) {
    if (sig < 1 || sig > 64) return 0;
    return atomic_exchange_explicit(&mine.counts[sig], 0, memory_order_relaxed)
         + atomic_exchange_explicit(&shared.counts[sig], 0, memory_order_relaxed);
}

void mimic_signal_recorded_info(int sig, void *out) {
    if (sig < 1 || sig > 64) return;
    // The thread's own record when it has one for this signal, else the shared one.
    memcpy(out, mine.info[sig].si_signo == sig ? &mine.info[sig] : &shared.info[sig], 128);
}
