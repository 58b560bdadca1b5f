// The guest CPU state. Generated code addresses these fields at fixed offsets from a pinned
// host register, the interpreter and helpers through the same struct, so it lives in C where
// the layout is fixed and visible to every target.
#ifndef MIMIC_CPU_STATE_H
#define MIMIC_CPU_STATE_H

#include <stdint.h>
#include "system_state.h"

enum {
    MIMIC_RAX = 0, MIMIC_RCX, MIMIC_RDX, MIMIC_RBX, MIMIC_RSP, MIMIC_RBP, MIMIC_RSI, MIMIC_RDI,
    MIMIC_R8, MIMIC_R9, MIMIC_R10, MIMIC_R11, MIMIC_R12, MIMIC_R13, MIMIC_R14, MIMIC_R15,
};

// Why generated code returned to the execution loop (low byte of its return value; the rest
// of the value names the translation block that exited, for chaining).
enum {
    MIMIC_EXIT_CHAIN0 = 0,      // goto_tb slot 0 not yet patched: look up rip, then chain
    MIMIC_EXIT_CHAIN1 = 1,      // goto_tb slot 1 not yet patched
    MIMIC_EXIT_LOOKUP = 2,      // indirect jump missed the jump cache
    MIMIC_EXIT_EXCEPTION = 3,   // cpu->exception holds a vector; rip is the faulting instruction
    MIMIC_EXIT_REQUEST = 4,     // a helper or instruction asked the loop for attention (hlt, syscall)
    MIMIC_EXIT_HOT = 5,         // a quickly translated block ran often: translate it fully; rip is its start
};

// Exception vectors as the guest sees them.
enum {
    MIMIC_EXC_NONE = 0xFFFF,
    MIMIC_EXC_DE = 0, MIMIC_EXC_DB = 1, MIMIC_EXC_BP = 3, MIMIC_EXC_OF = 4, MIMIC_EXC_UD = 6,
    MIMIC_EXC_GP = 13, MIMIC_EXC_PF = 14,
};

// Requests carried with MIMIC_EXIT_REQUEST.
enum {
    MIMIC_REQ_NONE = 0, MIMIC_REQ_HLT = 1, MIMIC_REQ_SYSCALL = 2, MIMIC_REQ_STOP = 3,
};

typedef struct __attribute__((aligned(16))) MimicXMM { uint64_t lo, hi; } MimicXMM;

typedef struct MimicCPUState {
    uint64_t gpr[16];           // RAX..R15, in encoding order
    uint64_t rip;
    // The status flags CF PF AF ZF SF OF at their EFLAGS bit positions (0, 2, 4, 6, 7, 11), all
    // other bits 0: generated code captures them from the host's own flags in one step and
    // tests them with one instruction.
    uint64_t flags;
    uint64_t df;                // direction flag, 0 or 1
    uint64_t eflags_rest;       // every other EFLAGS bit (bit 1 reads as 1; IF, TF, AC, ID...)
    uint64_t fs_base, gs_base;

    // Filled on the way out of generated code.
    uint64_t exception;         // MIMIC_EXC_*, MIMIC_EXC_NONE when none
    uint64_t error_code;
    uint64_t fault_address;     // guest address of a faulting access
    uint64_t request;           // MIMIC_REQ_*
    // Host pc of a guest access that faulted in generated code (the host's SIGSEGV handler
    // sets it; the runtime maps it back to the guest instruction), 0 otherwise.
    uint64_t fault_host_pc;

    // Guest memory, linear: host address = mem_base + guest address, valid below mem_size.
    // mem_last[i] is the highest address an access of 1 << i bytes may start at, so generated
    // code checks a guest access with one compare (x87 and SSE state images reach 512 bytes).
    // Set them with mimic_set_guest_memory.
    uint64_t mem_base;
    uint64_t mem_size;
    uint64_t mem_last[10];
    // One byte per 4 KiB guest page (MIMIC_PAGE_*) when the guest maps its own memory (user
    // mode), 0 when all of it is plain RAM. Generated code relies on the host's page
    // protection instead; the interpreter and helpers read this map.
    uint64_t page_flags;
    // Indirect-jump cache: a table of (guest pc, host code) pairs indexed by a hash of the pc.
    uint64_t jump_cache;
    uint64_t jump_cache_mask;
    uint64_t scratch[4];        // spill area for helpers that return more than one value

    MimicXMM xmm[16];
    uint32_t mxcsr;
    // Set (MIMIC_EXIT_REQ_*) by another thread or a signal handler to make this CPU leave
    // generated code soon: blocks test it before every backward chained jump and every
    // indirect jump, so even `jmp .` leaves. Change it with the functions below.
    uint32_t exit_request;
    // The x87/MMX state as FXSAVE lays it out (FCW, FSW, abridged FTW, FOP, ST0-7 at +32);
    // host-instruction thunks load it with FXRSTOR and store it back with FXSAVE. Its XMM
    // and MXCSR fields are not used: the guest's are `xmm` and `mxcsr` above.
    uint8_t x87[512] __attribute__((aligned(16)));
    // System mode only: control registers, segments, MSRs, the software TLB (system_state.h).
    MimicSystemState sys;
} MimicCPUState;

// Page flags (cpu->page_flags): what the guest may do with a page, and whether the runtime
// has write-protected it on the host because code on it was translated.
enum {
    MIMIC_PAGE_READ = 1, MIMIC_PAGE_WRITE = 2, MIMIC_PAGE_EXEC = 4, MIMIC_PAGE_CODE = 8,
};
#define MIMIC_PAGE_SHIFT 12

// Points the state at guest memory of `size` bytes (at least 8) at host address `base`.
static inline void mimic_set_guest_memory(MimicCPUState *state, void *base, uint64_t size) {
    state->mem_base = (uint64_t)(uintptr_t)base;
    state->mem_size = size;
    for (int i = 0; i < 10; i++) {
        uint64_t bytes = (uint64_t)1 << i;
        state->mem_last[i] = size >= bytes ? size - bytes : 0;
    }
}

// Why a CPU was asked to leave generated code (bits of `exit_request`).
enum {
    MIMIC_EXIT_REQ_FLUSH = 1,   // another thread flushes the translations: wait for it
    MIMIC_EXIT_REQ_STOP = 2,    // the run loop's caller wants control (a signal, Ctrl-C)
};

static inline void mimic_request_exit(MimicCPUState *state, uint32_t bits) {
    __atomic_fetch_or(&state->exit_request, bits, __ATOMIC_SEQ_CST);
}

static inline void mimic_clear_exit_request(MimicCPUState *state, uint32_t bits) {
    __atomic_fetch_and(&state->exit_request, ~bits, __ATOMIC_SEQ_CST);
}

static inline uint32_t mimic_exit_request(const MimicCPUState *state) {
    return __atomic_load_n(&state->exit_request, __ATOMIC_ACQUIRE);
}

// One entry of the indirect-jump cache. `tag` is the guest pc, `code` the host entry point.
typedef struct MimicJumpCacheEntry { uint64_t tag; uint64_t code; } MimicJumpCacheEntry;

#endif
