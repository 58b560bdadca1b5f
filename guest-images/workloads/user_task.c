/* The ring-3 task that runs a workload and reports through write(2); its exit code is the
 * verdict (0 when the checksum is the real CPU's, or when a custom size was asked for). */
#include "user.h"
#include "workload.h"

void workload_task(uint64_t n) {
    uint64_t checksum = workload_run(n);
    uprintf("%s: checksum 0x%016lx\n", workload_name, checksum);
    if (n != 0) {
        uprintf("%s: size %lu (not the default, not checked)\n", workload_name, n);
        sys_exit(0);
    }
    int ok = checksum == workload_expected;
    uprintf("%s: %s\n", workload_name, ok ? "pass" : "FAIL");
    sys_exit(!ok);
}
