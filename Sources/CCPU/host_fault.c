#define _GNU_SOURCE
#include "host_fault.h"
#include "cpu_state.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <ucontext.h>

typedef struct Region {
    _Atomic(uintptr_t) start;   // 0: free slot
    uintptr_t end;
    uintptr_t landing;
    int kind;
} Region;

enum { REGION_SLOTS = 256 };
static Region regions[REGION_SLOTS];
static struct sigaction previous_segv, previous_bus, previous_fpe;
static atomic_int installed;

// Passes a fault that is not a guest access on to whoever handled the signal before Mimic,
// or to the default action (the process dies of the signal, as it would have without Mimic).
static void forward(int sig, siginfo_t *info, void *context) {
    struct sigaction *previous = sig == SIGBUS ? &previous_bus : sig == SIGFPE ? &previous_fpe : &previous_segv;
    if (previous->sa_flags & SA_SIGINFO) {
        if (previous->sa_sigaction) { previous->sa_sigaction(sig, info, context); return; }
    } else if (previous->sa_handler != SIG_DFL && previous->sa_handler != SIG_IGN) {
        previous->sa_handler(sig);
        return;
    }
    // Returning re-runs the faulting instruction, which now meets the default action.
    signal(sig, SIG_DFL);
}

static void handle(int sig, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    greg_t *g = uc->uc_mcontext.gregs;
    uintptr_t pc = (uintptr_t)g[REG_RIP];
    for (int i = 0; i < REGION_SLOTS; i++) {
        uintptr_t start = atomic_load_explicit(&regions[i].start, memory_order_acquire);
        if (start == 0 || pc < start || pc >= regions[i].end) continue;
        int kind = regions[i].kind;
        const uint64_t *frame = (const uint64_t *)(uintptr_t)g[REG_RSP];
        MimicCPUState *cpu = kind == MIMIC_FAULT_REGION_BLOCKS ? (MimicCPUState *)(uintptr_t)g[REG_R14]
                                                               : (MimicCPUState *)(uintptr_t)frame[0];
        uintptr_t landing = kind == MIMIC_FAULT_REGION_BLOCKS ? regions[i].landing : (uintptr_t)frame[1];
        uintptr_t address = (uintptr_t)info->si_addr;
        uint64_t offset = (uint64_t)(address - (uintptr_t)cpu->mem_base);
        if (sig == SIGFPE) {
            // An unmasked floating-point exception of a guest instruction run as itself: #MF
            // (x87, vector 16) or #XM (SSE, vector 19), as the hardware's trap number says.
            if (kind != MIMIC_FAULT_REGION_THUNKS) break;
            cpu->exception = (uint64_t)g[REG_TRAPNO] == 16 ? 16 : 19;
            // #XM leaves the exception's flag in MXCSR, which held the guest's value.
            if (cpu->exception == 19 && uc->uc_mcontext.fpregs) cpu->mxcsr = uc->uc_mcontext.fpregs->mxcsr;
            cpu->error_code = 0;
            cpu->fault_address = 0;
        } else if (sig == SIGSEGV && info->si_code == SI_KERNEL && kind == MIMIC_FAULT_REGION_THUNKS) {
            // #GP from a guest instruction run as itself (a misaligned MOVAPS operand, say).
            cpu->exception = MIMIC_EXC_GP;
            cpu->error_code = 0;
            cpu->fault_address = 0;
        } else {
            if (address < (uintptr_t)cpu->mem_base || offset >= cpu->mem_size + MIMIC_GUARD_BYTES) break;
            cpu->exception = MIMIC_EXC_PF;
            // The hardware page-fault error code: bit 1 is set for a write.
            cpu->error_code = ((uint64_t)g[REG_ERR] & 2) ? 2 : 0;
            cpu->fault_address = offset;
        }
        if (kind == MIMIC_FAULT_REGION_BLOCKS) {
            cpu->fault_host_pc = pc;
            g[REG_RAX] = MIMIC_EXIT_EXCEPTION;
        }
        g[REG_RIP] = (greg_t)landing;
        return;
    }
    forward(sig, info, context);
}

int mimic_host_fault_install(void) {
    int expected = 0;
    if (!atomic_compare_exchange_strong(&installed, &expected, 1)) return 0;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = handle;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGSEGV, &action, &previous_segv) != 0) return errno;
    if (sigaction(SIGBUS, &action, &previous_bus) != 0) return errno;
    if (sigaction(SIGFPE, &action, &previous_fpe) != 0) return errno;
    return 0;
}

int mimic_host_fault_register(const void *start, size_t size, int kind, const void *landing) {
    for (int i = 0; i < REGION_SLOTS; i++) {
        if (atomic_load_explicit(&regions[i].start, memory_order_acquire) != 0) continue;
        uintptr_t claim = 0;
        // Claim the slot with a placeholder, fill it, then publish the real start.
        if (!atomic_compare_exchange_strong(&regions[i].start, &claim, (uintptr_t)-1)) continue;
        regions[i].end = (uintptr_t)start + size;
        regions[i].landing = (uintptr_t)landing;
        regions[i].kind = kind;
        atomic_store_explicit(&regions[i].start, (uintptr_t)start, memory_order_release);
        return i;
    }
    return -1;
}

void mimic_host_fault_unregister(int handle) {
    if (handle >= 0 && handle < REGION_SLOTS) atomic_store_explicit(&regions[handle].start, 0, memory_order_release);
}
