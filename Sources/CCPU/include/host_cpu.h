// Host-CPU facts that Swift cannot reach without inline assembly, for the lifter's helpers.
#ifndef MIMIC_HOST_CPU_H
#define MIMIC_HOST_CPU_H

#include <stdint.h>

// The host's time-stamp counter, which the guest's RDTSC reports.
static inline uint64_t mimic_host_tsc(void) { return __builtin_ia32_rdtsc(); }

#endif
