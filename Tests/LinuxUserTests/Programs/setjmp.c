// Non-local jumps: setjmp/longjmp out of deep recursion, values 0 and non-zero, and
// sigsetjmp/siglongjmp restoring (or not) the signal mask.
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>

static jmp_buf target;
static int depth_reached;

static int recurse(int depth, volatile int *counter) {
    volatile char frame[64];
    frame[depth % 64] = (char)depth;
    (*counter)++;
    if (depth == 500) {
        depth_reached = depth;
        longjmp(target, depth + frame[depth % 64] * 0 + 1);
    }
    return recurse(depth + 1, counter) + frame[0];
}

static int blocked(int sig) {
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    return sigismember(&now, sig);
}

int main(void) {
    volatile int counter = 0;
    volatile double kept = 1.5;
    int value = setjmp(target);
    if (value == 0) {
        kept = 2.5;
        recurse(0, &counter);
        puts("not reached");
    }
    printf("longjmp value %d depth %d calls %d kept %g\n", value, depth_reached, counter, kept);

    // longjmp(…, 0) makes setjmp return 1.
    static jmp_buf zero;
    volatile int rounds = 0;
    int z = setjmp(zero);
    if (rounds++ == 0) longjmp(zero, 0);
    printf("longjmp 0 returns %d after %d rounds\n", z, rounds);

    // A chain of jumps through several buffers.
    static jmp_buf chain[4];
    volatile int visited = 0;
    for (int i = 0; i < 4; i++) {
        if (setjmp(chain[i]) == 0) {
            visited |= 1 << i;
            if (i > 0 && !(visited & 0x100 << i)) { visited |= 0x100 << i; longjmp(chain[i], 7); }
        }
    }
    printf("chain visited %#x\n", visited);

    // sigsetjmp(…, 1) restores the mask saved at the call; sigsetjmp(…, 0) does not.
    static sigjmp_buf with_mask, without_mask;
    if (sigsetjmp(with_mask, 1) == 0) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        sigprocmask(SIG_BLOCK, &set, NULL);
        printf("blocked before siglongjmp %d\n", blocked(SIGUSR1));
        siglongjmp(with_mask, 1);
    }
    printf("blocked after siglongjmp (mask saved) %d\n", blocked(SIGUSR1));
    if (sigsetjmp(without_mask, 0) == 0) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR2);
        sigprocmask(SIG_BLOCK, &set, NULL);
        siglongjmp(without_mask, 1);
    }
    printf("blocked after siglongjmp (mask not saved) %d\n", blocked(SIGUSR2));
    return 0;
}
