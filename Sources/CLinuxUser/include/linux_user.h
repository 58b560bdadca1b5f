// The host side of Linux user mode that Swift cannot express safely: raw system calls that
// return the kernel's own result (-errno on failure, as the guest expects it), and signal
// handlers that only record a signal for the run loop (async-signal-safe by construction).
#ifndef MIMIC_LINUX_USER_H
#define MIMIC_LINUX_USER_H

#include <stdint.h>

// The host kernel's system call `number` with six arguments; returns its raw result
// (a negative errno on failure), never touching errno.
long mimic_host_syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

// Installs a handler for host signal `sig` that records it (with its siginfo) as pending;
// `flags` may add SA_NOCLDSTOP and SA_NOCLDWAIT. Returns 0 or an errno.
int mimic_signal_catch(int sig, int flags);

// Makes this host thread a guest thread's: signals it receives are recorded for it (not in
// the set shared with threads that run no guest code), and each raises `bits` in
// `*exit_request` so the thread's generated code comes back to its run loop.
void mimic_signal_bind_thread(uint32_t *exit_request, uint32_t bits);

// The signals recorded for this thread (and for no thread in particular) since the last call (bit sig-1 for signal sig), cleared atomically.
uint64_t mimic_signal_take_pending(void);

// How many times `sig` was recorded for this thread (or none) since the last call (real-time
// signals queue), cleared.
uint32_t mimic_signal_take_count(int sig);

// Copies the 128-byte siginfo recorded with `sig` (1...64) to `out`.
void mimic_signal_recorded_info(int sig, void *out);

#endif
