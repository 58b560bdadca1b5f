// Runs a snippet of x86-64 code natively, at a fixed address, from a given register state,
// and captures the state it ends in: the oracle for Mimic's differential tests.
//
// The snippet lives at NATIVE_CODE_ADDRESS and may use the data region at NATIVE_DATA_ADDRESS
// (the same guest addresses Mimic's tests use, so address arithmetic agrees). The runner appends
// an absolute jump to its exit stub after the snippet; a snippet ends by falling off its end or by
// faulting (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP), which is caught and reported with the
// faulting state. The runner uses process-wide fixed mappings: one run at a time.
#ifndef MIMIC_NATIVE_RUNNER_H
#define MIMIC_NATIVE_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#define NATIVE_CODE_ADDRESS 0x10000000ULL
#define NATIVE_CODE_SIZE    0x10000ULL
#define NATIVE_DATA_ADDRESS 0x10100000ULL
#define NATIVE_DATA_SIZE    0x10000ULL

// Bytes the runner appends after a snippet (an indirect jump to the exit stub).
#define NATIVE_TRAILER_SIZE 14

// Register state in and out. gpr is in encoding order (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
// R8..R15). On entry rflags is loaded with POPFQ from gpr[RSP] - 8, so the 8 bytes below the
// initial stack pointer hold the rflags image when the snippet starts.
typedef struct NativeState {
    uint64_t gpr[16];
    uint64_t rflags;
    uint64_t rip;
} NativeState;

typedef struct NativeResult {
    NativeState state;      // at the end of the snippet, or at the faulting instruction
    int32_t signal;         // 0 when the snippet ran to its end
    int32_t trapno;         // CPU exception vector from the signal frame, when signal != 0
    uint64_t error_code;    // CPU error code from the signal frame
    uint64_t fault_address; // si_addr: the faulting data address for SIGSEGV/SIGBUS
} NativeResult;

// The x87, MMX, XMM and MXCSR state as FXSAVE lays it out (FCW at 0, FSW at 2, abridged FTW
// at 4, MXCSR at 24, ST0-ST7 at 32 in 16-byte slots, XMM0-XMM15 at 160).
#define NATIVE_FXSAVE_SIZE 512

// Maps the code and data regions (once). Returns 0, or an errno value.
int native_runner_setup(void);

// The data region (NATIVE_DATA_SIZE bytes at NATIVE_DATA_ADDRESS); valid after setup.
uint8_t *native_data_region(void);

// Copies `code` to NATIVE_CODE_ADDRESS, runs it from `input` (input->rip is ignored) and fills
// `out`. Returns 0, or an errno value when the snippet cannot be installed.
int native_run(const uint8_t *code, size_t length, const NativeState *input, NativeResult *out);

// native_run with the vector and x87 state too: FXRSTOR of `fx_in` before the snippet, and the
// FXSAVE image at its end (or at the faulting instruction) in `fx_out`. The host's own state is
// put back afterwards.
int native_run_vector(const uint8_t *code, size_t length, const NativeState *input,
                      const uint8_t fx_in[NATIVE_FXSAVE_SIZE], NativeResult *out, uint8_t fx_out[NATIVE_FXSAVE_SIZE]);

// The host's current FXSAVE image: a valid starting point for `fx_in`.
void native_fxsave(uint8_t out[NATIVE_FXSAVE_SIZE]);

// 1 when `address` lies in a mapped page of this process, else 0.
int native_address_is_mapped(uint64_t address);

// Exits the process with a message naming `what` unless disarmed within `seconds`.
void native_watchdog_arm(unsigned seconds, const char *what);
void native_watchdog_disarm(void);

// CPUID of the host: out = EAX, EBX, ECX, EDX.
void native_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

#endif
