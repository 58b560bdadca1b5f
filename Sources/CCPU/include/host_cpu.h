// Host-CPU facts that Swift cannot reach without inline assembly, for the lifter's helpers.
#ifndef MIMIC_HOST_CPU_H
#define MIMIC_HOST_CPU_H

#include <stdint.h>

// The host's time-stamp counter, which the guest's RDTSC reports.
static inline uint64_t mimic_host_tsc(void) { return __builtin_ia32_rdtsc(); }

// The host's CPUID: what the guest may see of the instructions Mimic runs as host instructions
// (SSE and beyond) is what the host has.
static inline void mimic_host_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]) {
    __asm__ volatile("cpuid" : "=a"(out[0]), "=b"(out[1]), "=c"(out[2]), "=d"(out[3]) : "a"(leaf), "c"(subleaf));
}

#endif
