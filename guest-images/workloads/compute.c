/* Kernel side of a compute image: takes the size from the command line ("n=NUMBER", default
 * 0 for the workload's default size), then runs the workload as a ring-3 task, or, built with
 * -DRING0, directly in ring 0. */
#include "kernel.h"
#include "workload.h"

#ifndef RING0
#include "user.h"
void workload_task(uint64_t n);
#endif

static uint64_t size_from(const struct hvm_start_info *info) {
    const char *p = info->cmdline_paddr ? (const char *)info->cmdline_paddr : "";
    for (; *p; p++) {
        if (p[0] == 'n' && p[1] == '=') {
            uint64_t n = 0;
            for (p += 2; *p >= '0' && *p <= '9'; p++) n = n * 10 + (uint64_t)(*p - '0');
            return n;
        }
    }
    return 0;
}

int kmain(const struct hvm_start_info *info) {
    uint64_t n = size_from(info);
#ifdef RING0
    uint64_t checksum = workload_run(n);
    kprintf("%s: checksum 0x%016lx\n", workload_name, checksum);
    if (n != 0) {
        kprintf("%s: size %lu (not the default, not checked)\n", workload_name, n);
        return 0;
    }
    int ok = checksum == workload_expected;
    kprintf("%s: %s (ring 0)\n", workload_name, ok ? "pass" : "FAIL");
    return !ok;
#else
    return (int)run_user_task(workload_task, user_stack_top(), n);
#endif
}
