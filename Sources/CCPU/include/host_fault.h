// Guest memory faults taken by the host. Guest code runs with guest memory mapped at
// mem_base + guest address, and in user mode only the pages the guest mapped are accessible,
// so generated code does not check each access: a forbidden one faults on the host, and this
// SIGSEGV/SIGBUS handler turns it into a guest #PF by sending the faulting code to an exit.
// SIGFPE from a thunk (an unmasked SSE or x87 exception) becomes #XM or #MF the same way.
#ifndef MIMIC_HOST_FAULT_H
#define MIMIC_HOST_FAULT_H

#include <stddef.h>
#include <stdint.h>

// Bytes after mem_size that are reserved and never accessible, so an access that starts
// inside guest memory and runs past its end still faults inside the reservation.
#define MIMIC_GUARD_BYTES (1u << 20)

enum {
    // Generated blocks: the CPU state is in r14; the landing is the exit epilogue, entered
    // with rax = MIMIC_EXIT_EXCEPTION, and cpu->fault_host_pc tells which instruction faulted.
    MIMIC_FAULT_REGION_BLOCKS = 0,
    // Host-instruction thunks (C ABI): while the guest instruction runs, [rsp] holds the CPU
    // state pointer and [rsp + 8] the thunk's own landing, which unwinds its frame, restores
    // the host's MXCSR and x87 state and returns to the caller, who sees cpu->exception.
    // `landing` is unused for this kind.
    MIMIC_FAULT_REGION_THUNKS = 1,
};

// Installs the handler once per process (later calls do nothing); 0 on success, else errno.
int mimic_host_fault_install(void);

// Declares [start, start + size) as code of `kind` whose guest-memory faults go to `landing`.
// Returns a handle for mimic_host_fault_unregister, or -1 when the table is full.
int mimic_host_fault_register(const void *start, size_t size, int kind, const void *landing);
void mimic_host_fault_unregister(int handle);

#endif
