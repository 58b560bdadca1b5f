#define _GNU_SOURCE
#include "native_runner.h"

#include <cpuid.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

// State shared with the assembly below; it addresses these by name, RIP-relative.
__attribute__((visibility("hidden"))) NativeState native_input;
__attribute__((visibility("hidden"))) NativeState native_output;
__attribute__((visibility("hidden"))) uint64_t native_host_rsp;
__attribute__((visibility("hidden"))) const uint64_t native_code_entry = NATIVE_CODE_ADDRESS;
// FXSAVE images: what the snippet starts from (loaded only when native_fx_load is set), what
// it ended with, and the host's own, saved on entry and restored on exit.
__attribute__((visibility("hidden"), aligned(16))) uint8_t native_fx_input[NATIVE_FXSAVE_SIZE];
__attribute__((visibility("hidden"), aligned(16))) uint8_t native_fx_output[NATIVE_FXSAVE_SIZE];
__attribute__((visibility("hidden"), aligned(16))) uint8_t native_fx_host[NATIVE_FXSAVE_SIZE];
__attribute__((visibility("hidden"))) uint64_t native_fx_load;
// The exit stub pushes rflags here rather than on the snippet's stack, which is compared memory.
__attribute__((visibility("hidden"), aligned(16))) uint64_t native_exit_stack[8];

void native_enter(void);
void native_exit(void);

// native_enter: save the host's callee-saved registers, stack and FXSAVE image (then load the
// snippet's when asked; the compare happens before POPFQ, so the snippet's flags are intact),
// switch to the snippet's stack,
// load rflags with POPFQ (which leaves the image at rsp - 8), load the 16 GPRs (rax last, it holds
// the input pointer) and jump to the snippet. MOV does not touch flags, so the loaded flags reach
// the snippet intact.
// native_exit: reached by the jump appended to the snippet. Store the GPRs with RIP-relative
// moves (no flag or stack effects), then PUSHFQ on a private stack, restore the host and return
// from native_enter.
__asm__(
    ".intel_syntax noprefix\n"
    ".text\n"
    ".p2align 4\n"
    ".globl native_enter\n"
    ".hidden native_enter\n"
    ".type native_enter, @function\n"
    "native_enter:\n"
    "  push rbx\n"
    "  push rbp\n"
    "  push r12\n"
    "  push r13\n"
    "  push r14\n"
    "  push r15\n"
    "  mov [rip + native_host_rsp], rsp\n"
    "  fxsave [rip + native_fx_host]\n"
    "  cmp qword ptr [rip + native_fx_load], 0\n"
    "  je 1f\n"
    "  fxrstor [rip + native_fx_input]\n"
    "1:\n"
    "  lea rax, [rip + native_input]\n"
    "  mov rsp, [rax + 4*8]\n"
    "  push qword ptr [rax + 16*8]\n"
    "  popfq\n"
    "  mov rcx, [rax + 1*8]\n"
    "  mov rdx, [rax + 2*8]\n"
    "  mov rbx, [rax + 3*8]\n"
    "  mov rbp, [rax + 5*8]\n"
    "  mov rsi, [rax + 6*8]\n"
    "  mov rdi, [rax + 7*8]\n"
    "  mov r8, [rax + 8*8]\n"
    "  mov r9, [rax + 9*8]\n"
    "  mov r10, [rax + 10*8]\n"
    "  mov r11, [rax + 11*8]\n"
    "  mov r12, [rax + 12*8]\n"
    "  mov r13, [rax + 13*8]\n"
    "  mov r14, [rax + 14*8]\n"
    "  mov r15, [rax + 15*8]\n"
    "  mov rax, [rax + 0*8]\n"
    "  jmp qword ptr [rip + native_code_entry]\n"
    ".size native_enter, . - native_enter\n"
    "\n"
    ".p2align 4\n"
    ".globl native_exit\n"
    ".hidden native_exit\n"
    ".type native_exit, @function\n"
    "native_exit:\n"
    "  mov [rip + native_output + 0*8], rax\n"
    "  mov [rip + native_output + 1*8], rcx\n"
    "  mov [rip + native_output + 2*8], rdx\n"
    "  mov [rip + native_output + 3*8], rbx\n"
    "  mov [rip + native_output + 4*8], rsp\n"
    "  mov [rip + native_output + 5*8], rbp\n"
    "  mov [rip + native_output + 6*8], rsi\n"
    "  mov [rip + native_output + 7*8], rdi\n"
    "  mov [rip + native_output + 8*8], r8\n"
    "  mov [rip + native_output + 9*8], r9\n"
    "  mov [rip + native_output + 10*8], r10\n"
    "  mov [rip + native_output + 11*8], r11\n"
    "  mov [rip + native_output + 12*8], r12\n"
    "  mov [rip + native_output + 13*8], r13\n"
    "  mov [rip + native_output + 14*8], r14\n"
    "  mov [rip + native_output + 15*8], r15\n"
    "  fxsave [rip + native_fx_output]\n"
    "  fxrstor [rip + native_fx_host]\n"
    "  lea rsp, [rip + native_exit_stack + 8*8]\n"
    "  pushfq\n"
    "  pop rax\n"
    "  mov [rip + native_output + 16*8], rax\n"
    "  cld\n"
    "  mov rsp, [rip + native_host_rsp]\n"
    "  pop r15\n"
    "  pop r14\n"
    "  pop r13\n"
    "  pop r12\n"
    "  pop rbp\n"
    "  pop rbx\n"
    "  ret\n"
    ".size native_exit, . - native_exit\n"
    ".att_syntax prefix\n");

static uint8_t *code_region;
static uint8_t *data_region;

// Fault capture. The handler runs on its own stack: the snippet's stack is compared memory and
// too small for a signal frame.
static const int caught_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP };
enum { caught_count = sizeof caught_signals / sizeof caught_signals[0] };
static struct sigaction saved_actions[caught_count];
static uint8_t handler_stack[256 * 1024] __attribute__((aligned(64)));
static sigjmp_buf back_to_runner;
static volatile sig_atomic_t in_snippet;
static NativeResult fault;
static uint8_t fault_fx[NATIVE_FXSAVE_SIZE] __attribute__((aligned(16)));

static const int gregs_in_encoding_order[16] = {
    REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
    REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static void on_fault(int sig, siginfo_t *info, void *context) {
    if (!in_snippet) {
        // Not ours: put the previous handler back and let the fault recur into it.
        for (int i = 0; i < caught_count; i++)
            if (caught_signals[i] == sig) sigaction(sig, &saved_actions[i], NULL);
        return;
    }
    in_snippet = 0;
    const greg_t *g = ((ucontext_t *)context)->uc_mcontext.gregs;
    for (int i = 0; i < 16; i++) fault.state.gpr[i] = (uint64_t)g[gregs_in_encoding_order[i]];
    fault.state.rflags = (uint64_t)g[REG_EFL];
    fault.state.rip = (uint64_t)g[REG_RIP];
    fault.signal = sig;
    fault.trapno = (int32_t)g[REG_TRAPNO];
    fault.error_code = (uint64_t)g[REG_ERR];
    fault.fault_address = (uint64_t)(uintptr_t)info->si_addr;
    // The interrupted FPU state: the kernel's frame starts with the FXSAVE layout.
    const void *fpregs = ((ucontext_t *)context)->uc_mcontext.fpregs;
    if (fpregs) memcpy(fault_fx, fpregs, sizeof fault_fx);
    else memset(fault_fx, 0, sizeof fault_fx);
    siglongjmp(back_to_runner, 1);
}

static void *map_fixed(uint64_t address, uint64_t size, int prot) {
    void *p = mmap((void *)(uintptr_t)address, size, prot,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED) return NULL;
    if ((uint64_t)(uintptr_t)p != address) {   // a kernel that ignores MAP_FIXED_NOREPLACE
        munmap(p, size);
        errno = EEXIST;
        return NULL;
    }
    return p;
}

int native_runner_setup(void) {
    if (code_region) return 0;
    uint8_t *code = map_fixed(NATIVE_CODE_ADDRESS, NATIVE_CODE_SIZE, PROT_READ | PROT_EXEC);
    if (!code) return errno;
    uint8_t *data = map_fixed(NATIVE_DATA_ADDRESS, NATIVE_DATA_SIZE, PROT_READ | PROT_WRITE);
    if (!data) {
        int error = errno;
        munmap(code, NATIVE_CODE_SIZE);
        return error;
    }
    code_region = code;
    data_region = data;
    return 0;
}

uint8_t *native_data_region(void) { return data_region; }

// Writes the snippet through a writable view, then makes the page executable: never W+X.
static int install_code(const uint8_t *code, size_t length) {
    if (length > NATIVE_CODE_SIZE - NATIVE_TRAILER_SIZE) return E2BIG;
    if (mprotect(code_region, NATIVE_CODE_SIZE, PROT_READ | PROT_WRITE) != 0) return errno;
    memcpy(code_region, code, length);
    uint8_t *trailer = code_region + length;
    static const uint8_t jmp_rip_indirect[6] = { 0xFF, 0x25, 0, 0, 0, 0 };   // jmp [rip+0]
    memcpy(trailer, jmp_rip_indirect, sizeof jmp_rip_indirect);
    uint64_t exit_address = (uint64_t)(uintptr_t)&native_exit;
    memcpy(trailer + sizeof jmp_rip_indirect, &exit_address, sizeof exit_address);
    if (mprotect(code_region, NATIVE_CODE_SIZE, PROT_READ | PROT_EXEC) != 0) return errno;
    return 0;
}

static int catch_faults(stack_t *saved_stack) {
    stack_t stack = { .ss_sp = handler_stack, .ss_size = sizeof handler_stack, .ss_flags = 0 };
    if (sigaltstack(&stack, saved_stack) != 0) return errno;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fault;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < caught_count; i++)
        if (sigaction(caught_signals[i], &action, &saved_actions[i]) != 0) return errno;
    return 0;
}

static void release_faults(const stack_t *saved_stack) {
    for (int i = 0; i < caught_count; i++) sigaction(caught_signals[i], &saved_actions[i], NULL);
    sigaltstack(saved_stack, NULL);
}

int native_run(const uint8_t *code, size_t length, const NativeState *input, NativeResult *out) {
    if (!code_region) return ENXIO;
    int error = install_code(code, length);
    if (error) return error;
    native_input = *input;
    memset(out, 0, sizeof *out);
    memset(&fault, 0, sizeof fault);

    stack_t saved_stack;
    error = catch_faults(&saved_stack);
    if (error) {
        release_faults(&saved_stack);
        return error;
    }
    if (sigsetjmp(back_to_runner, 1) == 0) {
        in_snippet = 1;
        native_enter();
        in_snippet = 0;
        out->state = native_output;
        out->state.rip = NATIVE_CODE_ADDRESS + length;
    } else {
        *out = fault;
    }
    release_faults(&saved_stack);
    return 0;
}

int native_run_vector(const uint8_t *code, size_t length, const NativeState *input,
                      const uint8_t fx_in[NATIVE_FXSAVE_SIZE], NativeResult *out, uint8_t fx_out[NATIVE_FXSAVE_SIZE]) {
    memcpy(native_fx_input, fx_in, sizeof native_fx_input);
    native_fx_load = 1;
    int error = native_run(code, length, input, out);
    native_fx_load = 0;
    if (error) return error;
    if (out->signal) {
        memcpy(fx_out, fault_fx, NATIVE_FXSAVE_SIZE);
        // The handler left by siglongjmp, so the exit stub did not restore the host's state.
        __asm__ volatile("fxrstor %0" : : "m"(*(const uint8_t (*)[NATIVE_FXSAVE_SIZE])native_fx_host));
    } else {
        memcpy(fx_out, native_fx_output, NATIVE_FXSAVE_SIZE);
    }
    return 0;
}

void native_fxsave(uint8_t out[NATIVE_FXSAVE_SIZE]) {
    static uint8_t image[NATIVE_FXSAVE_SIZE] __attribute__((aligned(16)));
    __asm__ volatile("fxsave %0" : "=m"(image));
    memcpy(out, image, NATIVE_FXSAVE_SIZE);
}

int native_address_is_mapped(uint64_t address) {
    long page = sysconf(_SC_PAGESIZE);
    unsigned char resident;
    void *start = (void *)(uintptr_t)(address & ~(uint64_t)(page - 1));
    return mincore(start, (size_t)page, &resident) == 0 || errno != ENOMEM;
}

void native_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]) {
    __cpuid_count(leaf, subleaf, out[0], out[1], out[2], out[3]);
}

// The watchdog: a run that never finishes (a mistranslated loop) would hang the whole test
// process silently; instead say which case it was and exit.
static char watchdog_what[512];

static void on_watchdog(int sig) {
    (void)sig;
    static const char head[] = "\nnative_runner watchdog: no result within the time limit for ";
    write(2, head, sizeof head - 1);
    write(2, watchdog_what, strlen(watchdog_what));
    write(2, "\n", 1);
    _exit(3);
}

void native_watchdog_arm(unsigned seconds, const char *what) {
    static int installed;
    if (!installed) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = on_watchdog;
        sigemptyset(&action.sa_mask);
        sigaction(SIGALRM, &action, NULL);
        installed = 1;
    }
    strncpy(watchdog_what, what, sizeof watchdog_what - 1);
    alarm(seconds);
}

void native_watchdog_disarm(void) { alarm(0); }
