/* A SIGSEGV handler sees the faulting address and the reason (unmapped or forbidden), on an
 * alternate stack; without a handler the program dies of SIGSEGV. */
#include "runtime.h"

#define PROT_READ 1
#define MAP_PRIVATE 2
#define MAP_ANONYMOUS 0x20

static volatile int faults;
static char altstack[16384];
static char *readonly;

static void handler(int sig, void *info, void *context) {
    unsigned long *si = info;
    int code = ((int *)info)[2];
    unsigned long addr = si[2];
    unsigned long sp;
    __asm__("mov %%rsp, %0" : "=r"(sp));
    line("signal", sig);
    line("code", code);
    if (faults == 0) line("addr is 0x1234", addr == 0x1234);
    else line("addr is the read-only page", addr == (unsigned long)readonly + 8);
    line("on the alternate stack", sp >= (unsigned long)altstack && sp < (unsigned long)altstack + sizeof altstack);
    /* uc_mcontext.gregs[REG_RIP] at ucontext + 40 + 16 * 8: skip the faulting instruction
     * (both are 10 bytes: movl $imm32, abs32 / movl $imm32, disp32(%rax)... so use the marker). */
    unsigned long *gregs = (unsigned long *)((char *)context + 40);
    line("trapno", gregs[20]);
    line("err has write bit", (gregs[19] & 2) != 0);
    faults++;
    gregs[16] += faults == 1 ? 11 : 7; /* the length of the faulting store, see main */
}

int main(int argc, char **argv, char **envp) {
    (void)envp;
    if (argc > 1) {
        /* No handler: the default action. */
        *(volatile int *)0x10 = 1;
        return 0;
    }
    struct { void *sp; int flags; size_t size; } ss = { altstack, 0, sizeof altstack };
    line("sigaltstack", sys2(SYS_sigaltstack, &ss, 0));
    line("sigaction", sigaction_install(11, (void *)handler, SA_SIGINFO | SA_ONSTACK));
    /* movl $1, 0x1234 (absolute, 11 bytes: c7 04 25 34 12 00 00 01 00 00 00) */
    __asm__ volatile(".byte 0xc7, 0x04, 0x25, 0x34, 0x12, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00" ::: "memory");
    readonly = (char *)sys6(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    /* movl $2, 8(%rax) (7 bytes: c7 40 08 02 00 00 00) */
    __asm__ volatile(".byte 0xc7, 0x40, 0x08, 0x02, 0x00, 0x00, 0x00" :: "a"(readonly) : "memory");
    line("faults", faults);
    return 0;
}
