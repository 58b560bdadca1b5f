// Unmasked floating-point exceptions reach the program as SIGFPE: SSE raises #XM at the
// faulting instruction, the x87 raises #MF at the next x87 instruction. The handler reports
// si_code and skips ahead by siglongjmp; the last case dies of the signal.
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <xmmintrin.h>

static sigjmp_buf recover;
static siginfo_t last;

static void on_fpe(int sig, siginfo_t *info, void *context) {
    (void)sig; (void)context;
    last = *info;
    siglongjmp(recover, 1);
}

static void sse(const char *what, unsigned unmask, float a, float b, int divide) {
    unsigned saved = _mm_getcsr();
    if (sigsetjmp(recover, 1) == 0) {
        _mm_setcsr((saved & ~0x3Fu) & ~unmask);
        volatile float x = a, y = b, r = divide ? x / y : x * y;
        _mm_setcsr(saved);
        printf("%s: no trap, result %a\n", what, (double)r);
    } else {
        _mm_setcsr(saved);
        printf("%s: SIGFPE code %d\n", what, last.si_code);
    }
}

static void x87(const char *what, unsigned short control, long double a, long double b) {
    if (sigsetjmp(recover, 1) == 0) {
        long double r;
        __asm__ volatile("fnclex\n\tfldcw %3\n\tfldt %1\n\tfldt %2\n\tfdivrp\n\tfld1\n\tfstp %%st(0)\n\tfstpt %0"
                         : "=m"(r) : "m"(a), "m"(b), "m"(control));
        printf("%s: no trap, result %La\n", what, r);
    } else {
        unsigned short standard = 0x37F;
        __asm__ volatile("fnclex\n\tfldcw %0" : : "m"(standard));
        printf("%s: SIGFPE code %d\n", what, last.si_code);
    }
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fpe;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGFPE, &action, NULL);
    sse("sse divide by zero, masked", 0, 1, 0, 1);
    sse("sse divide by zero, unmasked", 0x200, 1, 0, 1);
    sse("sse invalid 0/0, unmasked", 0x80, 0, 0, 1);
    sse("sse overflow, unmasked", 0x400, 3e38f, 10, 0);
    sse("sse inexact, unmasked", 0x1000, 1, 3, 1);
    x87("x87 divide by zero, masked", 0x37F, 1, 0);
    x87("x87 divide by zero, unmasked", 0x37B, 1, 0);
    x87("x87 invalid 0/0, unmasked", 0x37E, 0, 0);
    signal(SIGFPE, SIG_DFL);
    _mm_setcsr(_mm_getcsr() & ~0x200u);
    volatile float zero = 0, one = 1;
    printf("unhandled: %g\n", one / zero);
    return 0;
}
