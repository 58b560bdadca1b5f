// Signal delivery: synchronous faults (SIGSEGV with si_addr and si_code, SIGFPE from integer
// division, SIGILL from UD2, SIGTRAP from INT3) with handlers that inspect and edit the
// ucontext, signals sent to self (raise, kill) with their siginfo, masks, pending signals,
// SA_RESETHAND, SIGPIPE, and the FPU state a handler starts with and leaves behind.
#define _GNU_SOURCE
#include <errno.h>
#include <fenv.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf recover;
static volatile sig_atomic_t deliveries;
static siginfo_t last;
static uintptr_t last_rip;
static int mask_had_self, handler_rounding_default;

extern const char fpe_instruction[], ill_instruction[], trap_after[];

static void on_fault_jump(int sig, siginfo_t *info, void *context) {
    last = *info;
    last_rip = (uintptr_t)((ucontext_t *)context)->uc_mcontext.gregs[REG_RIP];
    (void)sig;
    siglongjmp(recover, 1);
}

// Resumes after UD2 (two bytes; INT3 already reports the next instruction) with RAX
// replaced: the ucontext the handler edits is the state the program resumes with.
static void on_fault_skip(int sig, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    last = *info;
    last_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    if (sig != SIGTRAP) uc->uc_mcontext.gregs[REG_RIP] += 2;
    uc->uc_mcontext.gregs[REG_RAX] = 0x1234 + sig;
    deliveries++;
}

static void on_signal(int sig, siginfo_t *info, void *context) {
    last = *info;
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    mask_had_self = sigismember(&now, sig);
    handler_rounding_default = fegetround() == FE_TONEAREST;
    // Clobber the vector and x87 registers; the interrupted code must get its own back.
    __asm__ volatile("pxor %%xmm7, %%xmm7\n\tfninit" ::: "xmm7", "memory");
    (void)context;
    deliveries++;
}

static void install(int sig, void (*handler)(int, siginfo_t *, void *), int flags) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = handler;
    action.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&action.sa_mask);
    sigaction(sig, &action, NULL);
}

__attribute__((noinline)) static long divide(long a, long b) {
    long result;
    __asm__ volatile(".globl fpe_instruction\n\tcqo\n\tfpe_instruction: idivq %%rcx"   // 48 F7 F9: 3 bytes
                     : "=a"(result) : "a"(a), "c"(b) : "rdx");
    return result;
}

__attribute__((noinline)) static long undefined_instruction(void) {
    long result;
    __asm__ volatile("xor %%eax, %%eax\n\t.globl ill_instruction\n\till_instruction: ud2" : "=a"(result));
    return result;
}

__attribute__((noinline)) static long breakpoint(void) {
    long result;
    __asm__ volatile("xor %%eax, %%eax\n\tint3\n\t.globl trap_after\n\ttrap_after:" : "=a"(result));
    return result;
}

static void segv_cases(void) {
    long page = sysconf(_SC_PAGESIZE);
    char *pages = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(pages + page, page, PROT_NONE);
    install(SIGSEGV, on_fault_jump, SA_NODEFER);
    volatile char *targets[] = { pages + page + 123, (char *)16, pages + page };
    const char *names[] = { "read of PROT_NONE", "read near NULL", "write to PROT_NONE" };
    for (int i = 0; i < 3; i++) {
        if (sigsetjmp(recover, 1) == 0) {
            if (i == 2) *targets[i] = 1; else (void)*targets[i];
            printf("%s: no fault\n", names[i]);
        } else {
            printf("%s: signo %d code %d si_addr matches %d\n", names[i], last.si_signo, last.si_code,
                   last.si_addr == (void *)targets[i]);
        }
    }
    mprotect(pages, page, PROT_READ);
    if (sigsetjmp(recover, 1) == 0) {
        pages[7] = 1;
        puts("write to read-only: no fault");
    } else {
        printf("write to read-only: signo %d code %d si_addr matches %d\n", last.si_signo, last.si_code, last.si_addr == pages + 7);
    }
    munmap(pages, 2 * page);
    if (sigsetjmp(recover, 1) == 0) {
        (void)*(volatile char *)(pages + 5);
        puts("read after munmap: no fault");
    } else {
        printf("read after munmap: signo %d code %d si_addr matches %d\n", last.si_signo, last.si_code, last.si_addr == pages + 5);
    }
}

static void instruction_faults(void) {
    install(SIGILL, on_fault_skip, 0);
    install(SIGTRAP, on_fault_skip, 0);
    install(SIGFPE, on_fault_jump, 0);
    printf("100/7 = %ld\n", divide(100, 7));
    if (sigsetjmp(recover, 1) == 0) {
        printf("1/0 = %ld\n", divide(1, 0));
    } else {
        printf("1/0: signo %d code %d si_addr at idiv %d rip at idiv %d\n", last.si_signo, last.si_code,
               last.si_addr == (void *)fpe_instruction, last_rip == (uintptr_t)fpe_instruction);
    }
    if (sigsetjmp(recover, 1) == 0) {
        printf("min/-1 = %ld\n", divide(INT64_MIN, -1));
    } else {
        printf("min/-1: signo %d code %d rip at idiv %d\n", last.si_signo, last.si_code, last_rip == (uintptr_t)fpe_instruction);
    }
    long r = undefined_instruction();
    printf("ud2: signo %d code %d si_addr at ud2 %d rip at ud2 %d resumed with rax %#lx\n", last.si_signo,
           last.si_code, last.si_addr == (void *)ill_instruction, last_rip == (uintptr_t)ill_instruction, r);
    r = breakpoint();
    printf("int3: signo %d code %d rip after int3 %d resumed with rax %#lx\n", last.si_signo, last.si_code,
           last_rip == (uintptr_t)trap_after, r);
}

static void self_signals(void) {
    install(SIGUSR1, on_signal, 0);
    install(SIGUSR2, on_signal, SA_RESETHAND);
    deliveries = 0;
    raise(SIGUSR1);
    printf("raise SIGUSR1: deliveries %d signo %d code %d (SI_TKILL %d) pid ok %d uid ok %d self masked %d\n",
           deliveries, last.si_signo, last.si_code, SI_TKILL, last.si_pid == getpid(), last.si_uid == getuid(), mask_had_self);
    kill(getpid(), SIGUSR2);
    printf("kill SIGUSR2: deliveries %d code %d (SI_USER %d) pid ok %d\n", deliveries, last.si_code, SI_USER, last.si_pid == getpid());
    struct sigaction now;
    sigaction(SIGUSR2, NULL, &now);
    printf("SA_RESETHAND left SIG_DFL %d\n", now.sa_handler == SIG_DFL);

    // Blocked: pending until unblocked, then delivered before sigprocmask returns.
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    deliveries = 0;
    raise(SIGUSR1);
    raise(SIGUSR1);
    sigpending(&pending);
    printf("blocked: deliveries %d pending %d\n", deliveries, sigismember(&pending, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    sigpending(&pending);
    printf("unblocked: deliveries %d (standard signals do not queue) pending %d\n", deliveries, sigismember(&pending, SIGUSR1));

    // Real-time signals queue.
    install(SIGRTMIN + 1, on_signal, 0);
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    deliveries = 0;
    for (int i = 0; i < 3; i++) raise(SIGRTMIN + 1);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    printf("real-time deliveries %d\n", deliveries);

    // Ignored signals vanish.
    signal(SIGUSR2, SIG_IGN);
    raise(SIGUSR2);
    puts("ignored SIGUSR2 survived");
}

static void fpu_state(void) {
    install(SIGUSR1, on_signal, 0);
    fesetround(FE_UPWARD);
    double kept = 0;
    long double x87_kept = 0;
    __asm__ volatile(
        "movsd %[in], %%xmm7\n\t"
        "fldt %[ldin]\n\t"
        "mov $39, %%eax\n\tsyscall\n\t"              // getpid
        "mov %%eax, %%edi\n\tmov $10, %%esi\n\tmov $62, %%eax\n\tsyscall\n\t"   // kill(pid, SIGUSR1)
        "movsd %%xmm7, %[out]\n\t"
        "fstpt %[ldout]"
        : [out] "=m"(kept), [ldout] "=m"(x87_kept)
        : [in] "m"((double){3.25}), [ldin] "m"((long double){1.0L / 3.0L})
        : "rax", "rcx", "rdx", "rsi", "rdi", "r11", "xmm7", "memory");
    printf("handler saw default rounding %d; after return xmm7 %g x87 %.20Lg rounding upward %d\n",
           handler_rounding_default, kept, x87_kept, fegetround() == FE_UPWARD);
    fesetround(FE_TONEAREST);
}

static void broken_pipe(void) {
    int fds[2];
    pipe(fds);
    close(fds[0]);
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    ssize_t n = write(fds[1], "x", 1);
    printf("write to closed pipe, SIGPIPE ignored: %zd EPIPE %d\n", n, errno == EPIPE);
    install(SIGPIPE, on_signal, 0);
    deliveries = 0;
    n = write(fds[1], "x", 1);
    printf("with a handler: %zd EPIPE %d deliveries %d signo %d\n", n, errno == EPIPE, deliveries, last.si_signo);
    close(fds[1]);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    segv_cases();
    instruction_faults();
    self_signals();
    fpu_state();
    broken_pipe();
    return 0;
}
