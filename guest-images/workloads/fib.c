/* Recursive Fibonacci, fib(n) with n default 24: call-heavy code, the workload that also
 * runs in ring 0 (fib-ring0) to show what emulated CPL 0 costs. */
#include "workload.h"

const char workload_name[] = "fib";
const uint64_t workload_expected = 46368;

__attribute__((noinline)) static uint64_t fib(uint64_t n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

uint64_t workload_run(uint64_t n) {
    if (n == 0) n = 24;
    if (n > 60) n = 60;
    return fib(n);
}
