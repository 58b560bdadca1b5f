// Whether the process was given a vDSO (AT_SYSINFO_EHDR), and that the calls glibc sends
// through it natively work either way: clock_gettime, gettimeofday, time, getcpu.
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include <time.h>

int main(void) {
    printf("AT_SYSINFO_EHDR: %s\n", getauxval(AT_SYSINFO_EHDR) ? "present" : "absent");
    struct timespec a, b;
    struct timeval tv;
    int ok = clock_gettime(CLOCK_REALTIME, &a) == 0 && gettimeofday(&tv, NULL) == 0 && clock_gettime(CLOCK_MONOTONIC, &b) == 0;
    time_t t = time(NULL);
    printf("clocks work: %d, agree: %d\n", ok, t - a.tv_sec <= 1 && tv.tv_sec - a.tv_sec <= 1 && a.tv_sec > 1704067200);
    unsigned cpu = 9999;
    printf("getcpu works: %d\n", getcpu(&cpu, NULL) == 0 && cpu < 9999 && sched_getcpu() >= 0);
    return 0;
}
