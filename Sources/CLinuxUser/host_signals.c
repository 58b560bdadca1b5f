#define _GNU_SOURCE
#include "linux_user.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

static _Atomic uint64_t pending;
static siginfo_t recorded[65];
static _Atomic uint32_t counts[65];

static void record(int sig, siginfo_t *info, void *context) {
    (void)context;
    if (sig < 1 || sig > 64) return;
    recorded[sig] = *info;
    atomic_fetch_add_explicit(&counts[sig], 1, memory_order_relaxed);
    atomic_fetch_or_explicit(&pending, (uint64_t)1 << (sig - 1), memory_order_release);
}

int mimic_signal_catch(int sig, int flags) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = record;
    // No SA_RESTART: a blocking host call made for the guest returns EINTR, so the run loop
    // can deliver the signal and decide about restarting as the guest's handler asks.
    action.sa_flags = SA_SIGINFO | (flags & (SA_NOCLDSTOP | SA_NOCLDWAIT));
    sigfillset(&action.sa_mask);
    return sigaction(sig, &action, NULL) == 0 ? 0 : errno;
}

uint64_t mimic_signal_take_pending(void) {
    return atomic_exchange_explicit(&pending, 0, memory_order_acquire);
}

uint32_t mimic_signal_take_count(int sig) {
    return sig >= 1 && sig <= 64 ? atomic_exchange_explicit(&counts[sig], 0, memory_order_relaxed) : 0;
}

void mimic_signal_recorded_info(int sig, void *out) {
    if (sig >= 1 && sig <= 64) memcpy(out, &recorded[sig], 128);
}
