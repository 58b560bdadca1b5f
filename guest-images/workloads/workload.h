/* A compute workload: pure computation on memory of its own, no I/O, the same code run as a
 * ring-3 task (user_task.c) or directly in ring 0 (compute.c with -DRING0). Each file defines: */
#ifndef WORKLOAD_H
#define WORKLOAD_H

#include <stdint.h>

/* Runs with size parameter `n` (0 = the default size) and returns a checksum of the result. */
uint64_t workload_run(uint64_t n);
extern const char workload_name[];
/* The checksum for the default size, as the real CPU computes it. */
extern const uint64_t workload_expected;

/* xorshift64: the deterministic data generator the workloads share. */
static inline uint64_t xorshift64(uint64_t *state) {
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

#endif
