// prctl as programs use it (names, death signal, dumpable, subreaper, no_new_privs, keepcaps,
// capability bounding set, seccomp mode, timer slack, THP, tid address, auxv) and membarrier.
// Prints derived facts only. With the argument "refusals" it prints instead what Mimic
// refuses and Linux would allow (seccomp, PR_SET_MM, PR_SET_VMA, a faulting RDTSC, syscall
// user dispatch, /proc/self/mem and pagemap, io_uring): that part is compared with fixed
// text, not with the native run.
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/membarrier.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_GET_AUXV
#define PR_GET_AUXV 0x41555856
#endif
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

static void result(const char *what, long r) {
    if (r < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else printf("%s: %ld\n", what, r);
}

static long membarrier(int command, unsigned flags) { return syscall(SYS_membarrier, command, flags, 0); }

static int refusals(void) {
    struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog program = {1, &allow};
    result("PR_SET_NO_NEW_PRIVS", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    result("PR_SET_SECCOMP filter", prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0));
    result("PR_SET_SECCOMP strict", prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0));
    result("seccomp(SET_MODE_FILTER)", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program));
    result("seccomp(GET_ACTION_AVAIL)", syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &(unsigned){SECCOMP_RET_KILL_PROCESS}));
    result("PR_SET_MM start_brk", prctl(PR_SET_MM, PR_SET_MM_START_BRK, (unsigned long)sbrk(0), 0, 0));
    void *page = sbrk(0);
    result("PR_SET_VMA anon name", prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)page, 4096, (unsigned long)"x"));
    result("PR_SET_TSC SIGSEGV", prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0));
    result("PR_SET_SYSCALL_USER_DISPATCH", prctl(59, 1, 0, 0, (unsigned long)&(char){0}));
    result("open /proc/self/mem", open("/proc/self/mem", O_RDONLY));
    result("open /proc/self/pagemap", open("/proc/self/pagemap", O_RDONLY));
    result("io_uring_setup", syscall(SYS_io_uring_setup, 4, &(char[120]){0}));
    long query = membarrier(MEMBARRIER_CMD_QUERY, 0);
    printf("membarrier query: rseq commands %s\n", query & (MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ) ? "offered" : "absent");
    result("membarrier register rseq", membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0));
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "refusals") == 0) return refusals();

    char name[16] = {0};
    result("PR_GET_NAME", prctl(PR_GET_NAME, name, 0, 0, 0));
    printf("  initial name: %s (argv[0] basename %s)\n", name, strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0]);
    result("PR_SET_NAME", prctl(PR_SET_NAME, "worker-thread-name-too-long", 0, 0, 0));
    prctl(PR_GET_NAME, name, 0, 0, 0);
    printf("  name now: %s\n", name);
    FILE *comm = fopen("/proc/self/comm", "r");
    char line[64] = {0};
    if (comm && fgets(line, sizeof line, comm)) printf("  /proc/self/comm: %s", line);
    if (comm) fclose(comm);

    int value = -1;
    result("PR_GET_PDEATHSIG", prctl(PR_GET_PDEATHSIG, &value, 0, 0, 0));
    printf("  value %d\n", value);
    result("PR_SET_PDEATHSIG USR1", prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0));
    prctl(PR_GET_PDEATHSIG, &value, 0, 0, 0);
    printf("  value %d\n", value);
    result("PR_SET_PDEATHSIG 65", prctl(PR_SET_PDEATHSIG, 65, 0, 0, 0));
    result("PR_GET_PDEATHSIG to NULL+1", prctl(PR_GET_PDEATHSIG, (int *)8, 0, 0, 0));

    result("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    result("PR_SET_DUMPABLE 0", prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
    result("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    result("PR_SET_DUMPABLE 2", prctl(PR_SET_DUMPABLE, 2, 0, 0, 0));
    result("PR_SET_DUMPABLE 1", prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));

    value = -1;
    result("PR_GET_CHILD_SUBREAPER", prctl(PR_GET_CHILD_SUBREAPER, &value, 0, 0, 0));
    printf("  value %d\n", value);
    result("PR_SET_CHILD_SUBREAPER", prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    prctl(PR_GET_CHILD_SUBREAPER, &value, 0, 0, 0);
    printf("  value %d\n", value);

    result("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    result("PR_SET_NO_NEW_PRIVS", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    result("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    result("PR_SET_NO_NEW_PRIVS 0", prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0));

    result("PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
    result("PR_SET_KEEPCAPS", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
    result("PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
    result("PR_SET_KEEPCAPS 0", prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0));

    result("PR_CAPBSET_READ CAP_CHOWN", prctl(PR_CAPBSET_READ, 0, 0, 0, 0));
    result("PR_CAPBSET_READ 1000", prctl(PR_CAPBSET_READ, 1000, 0, 0, 0));
    result("PR_GET_SECCOMP", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));

    result("PR_SET_TIMERSLACK", prctl(PR_SET_TIMERSLACK, 123456, 0, 0, 0));
    result("PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
    result("PR_GET_THP_DISABLE", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
    result("PR_SET_THP_DISABLE", prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
    result("PR_GET_THP_DISABLE", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
    result("PR_SET_THP_DISABLE 0", prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0));
    result("PR_SET_PTRACER any", prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0));
    result("PR_GET_SECUREBITS", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
    int tsc = -1;
    result("PR_GET_TSC", prctl(PR_GET_TSC, &tsc, 0, 0, 0));
    printf("  value %d\n", tsc);
    result("PR_SET_TSC enable", prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0));

    // The tid address: the C library's, then one of our own, then the C library's again.
    int *original = NULL, word = 0, *now = NULL;
    result("PR_GET_TID_ADDRESS", prctl(PR_GET_TID_ADDRESS, &original, 0, 0, 0));
    printf("  set: %d\n", original != NULL);
    long tid = syscall(SYS_set_tid_address, &word);
    printf("  set_tid_address returns the tid: %d\n", tid == gettid());
    prctl(PR_GET_TID_ADDRESS, &now, 0, 0, 0);
    printf("  now ours: %d\n", now == &word);
    syscall(SYS_set_tid_address, original);
    prctl(PR_GET_TID_ADDRESS, &now, 0, 0, 0);
    printf("  back: %d\n", now == original);
    result("PR_GET_TID_ADDRESS to a bad pointer", prctl(PR_GET_TID_ADDRESS, (int **)8, 0, 0, 0));

    // The auxiliary vector, as getauxval sees it.
    unsigned long auxv[128];
    long size = prctl(PR_GET_AUXV, auxv, sizeof auxv, 0, 0);
    int found = 0, agree = 1;
    for (long i = 0; size > 0 && i + 1 < size / 8 && auxv[i] != AT_NULL; i += 2) {
        found++;
        // glibc's own AT_HWCAP and AT_HWCAP2 are its view of the CPU, not the kernel's.
        if (auxv[i] != AT_HWCAP && auxv[i] != AT_HWCAP2 && getauxval(auxv[i]) != auxv[i + 1]) agree = 0;
    }
    printf("PR_GET_AUXV: size a multiple of 16 %d, more than 10 entries %d, agree with getauxval %d\n", size % 16 == 0, found > 10, agree);
    result("PR_GET_AUXV small buffer returns the size", prctl(PR_GET_AUXV, auxv, 8, 0, 0) == size);
    result("PR_GET_AUXV flags", prctl(PR_GET_AUXV, auxv, sizeof auxv, 1, 0));

    result("unknown option", prctl(0x7fffffff, 0, 0, 0, 0));

    long query = membarrier(MEMBARRIER_CMD_QUERY, 0);
    printf("membarrier query: global %d private expedited %d sync core %d\n", (query & MEMBARRIER_CMD_GLOBAL) != 0,
           (query & MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0, (query & MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE) != 0);
    result("membarrier private expedited unregistered", membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0));
    result("membarrier register private expedited", membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0));
    result("membarrier private expedited", membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0));
    result("membarrier global", membarrier(MEMBARRIER_CMD_GLOBAL, 0));
    result("membarrier query with flags", membarrier(MEMBARRIER_CMD_QUERY, 1));
    result("membarrier unknown command", membarrier(3, 0));
    return 0;
}
