// /proc/self/stat, status and smaps (and the thread-self, PID and task/TID forms) checked
// against what the program knows of itself: its command name, code and data bounds from its
// own program headers, the initial stack, its arguments and environment, the brk start, its
// signal dispositions and mask, its threads, and its mappings as maps lists them. Prints
// derived facts only.
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

extern char **environ;

static void check(int ok, const char *what) {
    if (!ok) { printf("FAILED %s: %s\n", what, strerror(errno)); exit(1); }
}

/// The whole of a /proc file into `buffer` (NUL-terminated); its length.
static size_t slurp(const char *path, char *buffer, size_t size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    check(fd >= 0, path);
    size_t length = 0;
    ssize_t n;
    while (length + 1 < size && (n = read(fd, buffer + length, size - 1 - length)) > 0) length += (size_t)n;
    buffer[length] = 0;
    close(fd);
    return length;
}

/// stat's fields: field[i] is field i of proc(5) (1-based); comm without its parentheses.
static char statText[4096], comm[64];
static unsigned long long field[60];
static int fieldCount;

static void parseStat(void);

static void readStat(const char *path) {
    slurp(path, statText, sizeof statText);
    parseStat();
}

static void parseStat(void) {
    char *open = strchr(statText, '('), *close = strrchr(statText, ')');
    check(open && close, "stat format");
    snprintf(comm, sizeof comm, "%.*s", (int)(close - open - 1), open + 1);
    field[1] = strtoull(statText, NULL, 10);
    fieldCount = 2;
    char *p = close + 2;
    for (int i = 3; i < 60 && *p && *p != '\n'; i++) {
        if (i == 3) { field[i] = (unsigned char)*p; p += 1; }
        else field[i] = strtoull(p, &p, 10);
        fieldCount = i;
        while (*p == ' ') p++;
    }
}

/// A status line's value ("Name", "Threads", "SigBlk"...), copied to `out`.
static const char *statusValue(const char *text, const char *name, char *out, size_t size) {
    size_t n = strlen(name);
    for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, name, n) == 0 && line[n] == ':') {
            const char *value = line + n + 1;
            while (*value == ' ' || *value == '\t') value++;
            size_t length = strcspn(value, "\n");
            snprintf(out, size, "%.*s", (int)length, value);
            return out;
        }
    }
    snprintf(out, size, "(absent)");
    return out;
}

/// The program's code and data bounds as binfmt_elf records them.
static unsigned long startCode = ~0UL, endCode, startData, endData;
static int fromMainProgram(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    (void)data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *h = &info->dlpi_phdr[i];
        if (h->p_type != PT_LOAD) continue;
        unsigned long address = info->dlpi_addr + h->p_vaddr, fileEnd = address + h->p_filesz;
        if ((h->p_flags & PF_X) && address < startCode) startCode = address;
        if ((h->p_flags & PF_X) && fileEnd > endCode) endCode = fileEnd;
        if (address > startData) startData = address;
        if (fileEnd > endData) endData = fileEnd;
    }
    return 1;  // the first object is the program
}

static char maps[1 << 18], smaps[1 << 22], status[16384];

static void checkSmaps(void) {
    slurp("/proc/self/maps", maps, sizeof maps);
    slurp("/proc/self/smaps", smaps, sizeof smaps);
    int entries = 0, headersMatch = 1, sizesMatch = 1, rssWithin = 1, flagsMatch = 1, pageSizes = 1;
    char firstFields[1024] = "";
    const char *m = maps, *s = smaps;
    while (*m) {
        size_t length = strcspn(m, "\n") + 1;
        if (strncmp(m, s, length) != 0) { headersMatch = 0; break; }
        unsigned long start, end;
        char permissions[8];
        sscanf(m, "%lx-%lx %7s", &start, &end, permissions);
        int stack = strstr(m, "[stack]") != NULL && strstr(m, "[stack]") < m + length;
        int text = start <= (uintptr_t)&checkSmaps && (uintptr_t)&checkSmaps < end;
        s += length;
        unsigned long size = 0, rss = 0;
        while (*s && strncmp(s, "VmFlags:", 8) != 0) {
            char name[64];
            unsigned long value;
            if (sscanf(s, "%63[^:]: %lu", name, &value) == 2) {
                if (strcmp(name, "Size") == 0) size = value;
                if (strcmp(name, "Rss") == 0) rss = value;
                if ((strcmp(name, "KernelPageSize") == 0 || strcmp(name, "MMUPageSize") == 0) && value != 4) pageSizes = 0;
                if (entries == 0 && strlen(firstFields) + strlen(name) + 2 < sizeof firstFields) {
                    strcat(firstFields, name);
                    strcat(firstFields, " ");
                }
            }
            s += strcspn(s, "\n") + 1;
        }
        char flags[256] = "";
        sscanf(s, "VmFlags: %255[^\n]", flags);
        s += strcspn(s, "\n") + 1;
        if (size != (end - start) / 1024) sizesMatch = 0;
        if (rss > size) rssWithin = 0;
        if ((strstr(flags, "rd") != NULL) != (permissions[0] == 'r') || (strstr(flags, "wr") != NULL) != (permissions[1] == 'w')
            || (strstr(flags, "ex") != NULL) != (permissions[2] == 'x'))
            flagsMatch = 0;
        // The soft-dirty bit depends on the kernel's configuration, not on the mapping.
        char *dirty = strstr(flags, " sd");
        if (dirty) *dirty = 0;
        if (stack) printf("smaps [stack] flags: %s\n", flags);
        if (text) printf("smaps code flags: %s\n", flags);
        entries++;
        m += length;
    }
    printf("smaps: headers are the maps lines %d, a header after the last %d, sizes %d, rss within size %d, "
           "access in flags %d, 4 kB pages %d, several entries %d\n",
           headersMatch, *s != 0, sizesMatch, rssWithin, flagsMatch, pageSizes, entries > 5);
    printf("smaps fields: %s\n", firstFields);
}

static sem_t printed, mayExit;

/// smaps_rollup spans the mappings maps lists and sums their figures; statm counts pages.
static void checkRollupAndStatm(void) {
    static char rollup[8192], statm[256];
    slurp("/proc/self/maps", maps, sizeof maps);
    slurp("/proc/self/smaps_rollup", rollup, sizeof rollup);
    unsigned long first = 0, last = 0, mapped = 0;
    for (const char *line = maps; *line; line += strcspn(line, "\n") + 1) {
        unsigned long start, end;
        if (sscanf(line, "%lx-%lx", &start, &end) != 2 || start >= 0xffff800000000000UL) continue;
        if (!first) first = start;
        last = end;
        mapped += end - start;
    }
    unsigned long start, end, rss = 0, pss = 0, parts = 0;
    int spans = sscanf(rollup, "%lx-%lx", &start, &end) == 2 && start == first && end == last;
    char names[1024] = "";
    for (const char *line = strchr(rollup, '\n') + 1; *line; line += strcspn(line, "\n") + 1) {
        char name[64];
        unsigned long value;
        if (sscanf(line, "%63[^:]: %lu", name, &value) != 2) continue;
        if (strlen(names) + strlen(name) + 2 < sizeof names) { strcat(names, name); strcat(names, " "); }
        if (strcmp(name, "Rss") == 0) rss = value;
        if (strcmp(name, "Pss") == 0) pss = value;
        if (strcmp(name, "Pss_Anon") == 0 || strcmp(name, "Pss_File") == 0 || strcmp(name, "Pss_Shmem") == 0) parts += value;
    }
    printf("smaps_rollup: spans the mappings %d, named [rollup] %d, rss within the mapped size %d, pss parts add up %d\n", spans,
           strstr(rollup, "[rollup]") != NULL && strstr(rollup, "[rollup]") < strchr(rollup, '\n'), rss > 0 && rss <= mapped / 1024,
           parts + 2 >= pss && parts <= pss + 2);
    printf("smaps_rollup fields: %s\n", names);
    slurp("/proc/self/statm", statm, sizeof statm);
    unsigned long size, resident, shared, text;
    unsigned long data;
    sscanf(statm, "%lu %lu %lu %lu %*u %lu", &size, &resident, &shared, &text, &data);
    printf("statm: size is the mapped size %d, text the code's pages %d, resident within size %d, shared within resident %d\n",
           size * 4096 == mapped, text == (((endCode + 4095) & ~4095UL) - (startCode & ~4095UL)) / 4096, resident <= size,
           shared <= resident);

    // status's memory lines against maps read just before (nothing maps in between).
    unsigned long writable = 0, stack = 0;
    slurp("/proc/self/maps", maps, sizeof maps);
    slurp("/proc/self/status", status, sizeof status);
    slurp("/proc/self/statm", statm, sizeof statm);
    for (const char *line = maps; *line; line += strcspn(line, "\n") + 1) {
        char permissions[8];
        if (sscanf(line, "%lx-%lx %7s", &start, &end, permissions) != 3) continue;
        size_t length = strcspn(line, "\n");
        if (memmem(line, length, "[stack]", 7)) stack += end - start;
        else if (permissions[1] == 'w' && permissions[3] == 'p') writable += end - start;
    }
    char value[64];
    unsigned long vmRSS = strtoul(statusValue(status, "VmRSS", value, sizeof value), NULL, 10);
    unsigned long anon = strtoul(statusValue(status, "RssAnon", value, sizeof value), NULL, 10);
    unsigned long file = strtoul(statusValue(status, "RssFile", value, sizeof value), NULL, 10);
    unsigned long shmem = strtoul(statusValue(status, "RssShmem", value, sizeof value), NULL, 10);
    unsigned long vmData = strtoul(statusValue(status, "VmData", value, sizeof value), NULL, 10);
    unsigned long vmStk = strtoul(statusValue(status, "VmStk", value, sizeof value), NULL, 10);
    unsigned long vmSize = strtoul(statusValue(status, "VmSize", value, sizeof value), NULL, 10);
    sscanf(statm, "%*u %*u %*u %*u %*u %lu", &data);
    printf("status: VmRSS within VmSize %d, is anon+file+shmem %d, VmData the private writable mappings %d, VmStk the stack %d, "
           "statm data is VmData+VmStk %d\n", vmRSS > 0 && vmRSS <= vmSize, vmRSS == anon + file + shmem, vmData == writable / 1024,
           vmStk == stack / 1024, data * 4 == vmData + vmStk);
}

/// status's peaks against its sizes: a 256 MiB mapping with 64 MiB of it touched raises
/// VmPeak to the size then and VmHWM to the resident size then; both stay after the unmap.
static void checkPeaks(void) {
    char value[64];
    struct { unsigned long size, rss, peak, hwm; } before, mapped, after, *now[] = {&before, &mapped, &after};
    const size_t length = 256UL << 20, touched = 64UL << 20;
    char *p = NULL;
    for (int i = 0; i < 3; i++) {
        if (i == 1) {
            p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            check(p != MAP_FAILED, "mmap 256 MiB");
            memset(p, 1, touched);
        }
        if (i == 2) munmap(p, length);
        slurp("/proc/self/status", status, sizeof status);
        now[i]->size = strtoul(statusValue(status, "VmSize", value, sizeof value), NULL, 10);
        now[i]->rss = strtoul(statusValue(status, "VmRSS", value, sizeof value), NULL, 10);
        now[i]->peak = strtoul(statusValue(status, "VmPeak", value, sizeof value), NULL, 10);
        now[i]->hwm = strtoul(statusValue(status, "VmHWM", value, sizeof value), NULL, 10);
    }
    // Other pages come and go meanwhile (stdio, the stack): a little slack on resident sizes.
    const unsigned long slack = 2048;
    printf("peaks: VmPeak >= VmSize %d, VmHWM >= VmRSS %d, mapped: VmSize grew by the mapping %d, VmPeak is VmSize %d, "
           "VmRSS grew by the touched part %d\n", before.peak >= before.size, before.hwm >= before.rss,
           mapped.size - before.size == length / 1024, mapped.peak == mapped.size,
           mapped.rss + slack >= before.rss + touched / 1024 && mapped.rss <= before.rss + touched / 1024 + slack);
    printf("peaks after the unmap: VmSize back %d, VmPeak kept %d, VmRSS back %d, VmHWM kept the touched part %d, "
           "VmHWM is VmRSS before the unmap %d, VmHWM within VmPeak %d\n", after.size == before.size, after.peak == mapped.peak,
           after.rss <= before.rss + slack, after.hwm >= after.rss + touched / 1024 - slack,
           after.hwm + slack >= mapped.rss && after.hwm <= mapped.rss + slack, after.hwm <= after.peak);
}

static void *threadBody(void *argument) {
    (void)argument;
    pthread_setname_np(pthread_self(), "helper");
    char path[64];
    readStat("/proc/thread-self/stat");
    printf("thread-self/stat: pid is the thread's %d, comm %s\n", field[1] == (unsigned long long)gettid(), comm);
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", gettid());
    readStat(path);
    printf("task/TID/stat: pid is the thread's %d, comm %s\n", field[1] == (unsigned long long)gettid(), comm);
    readStat("/proc/self/stat");
    printf("self/stat from a thread: the process's %d, comm %s\n", field[1] == (unsigned long long)getpid(), comm);
    char value[64];
    slurp("/proc/thread-self/status", status, sizeof status);
    printf("thread-self/status Name: %s\n", statusValue(status, "Name", value, sizeof value));
    sem_post(&printed);
    while (sem_wait(&mayExit) != 0) {}
    return NULL;
}

static void handler(int sig) { (void)sig; }

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    void *brkAtStart = sbrk(0);
    dl_iterate_phdr(fromMainProgram, NULL);

    readStat("/proc/self/stat");
    const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    printf("stat: %d fields, pid %d, comm is the program's name %d, state %c\n", fieldCount, field[1] == (unsigned long long)getpid(),
           strncmp(comm, base, 15) == 0 && strlen(comm) == (strlen(base) < 15 ? strlen(base) : 15), (int)field[3]);
    printf("startcode %d endcode %d startstack %d\n", field[26] == startCode, field[27] == endCode,
           field[28] == (unsigned long long)(uintptr_t)argv - 8);
    printf("start_data %d end_data %d start_brk %d\n", field[45] == startData, field[46] == endData,
           field[47] <= (uintptr_t)brkAtStart && (uintptr_t)brkAtStart - field[47] < (64 << 20));
    size_t lastArgument = strlen(argv[argc - 1]) + 1;
    int environment = environ[0] != NULL;
    char **lastEnvironment = environ;
    while (lastEnvironment[0] && lastEnvironment[1]) lastEnvironment++;
    printf("arg_start %d arg_end %d env_start %d env_end %d\n", field[48] == (uintptr_t)argv[0],
           field[49] == (uintptr_t)argv[argc - 1] + lastArgument, environment && field[50] == (uintptr_t)environ[0],
           environment && field[51] == (uintptr_t)*lastEnvironment + strlen(*lastEnvironment) + 1);
    printf("threads %llu\n", field[20]);

    // The mapped size is the sum of the mappings maps lists.
    slurp("/proc/self/maps", maps, sizeof maps);
    unsigned long long mapped = 0;
    for (const char *line = maps; *line; line += strcspn(line, "\n") + 1) {
        unsigned long start, end;
        // [vsyscall] is no mapping of the process (not in its size).
        if (sscanf(line, "%lx-%lx", &start, &end) == 2 && start < 0xffff800000000000UL) mapped += end - start;
    }
    readStat("/proc/self/stat");
    printf("vsize is the mapped size %d\n", field[23] == mapped);

    // Signals: USR1 blocked, USR2 ignored, TERM and SEGV caught.
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    signal(SIGUSR2, SIG_IGN);
    signal(SIGTERM, handler);
    signal(SIGSEGV, handler);
    raise(SIGUSR1);
    readStat("/proc/self/stat");
    printf("stat signals: pending %llu blocked %llu ignored %llu caught %llu\n", field[31], field[32], field[33], field[34]);
    char value[64];
    slurp("/proc/self/status", status, sizeof status);
    printf("status Name: %s\n", statusValue(status, "Name", value, sizeof value));
    printf("status SigPnd: %s\n", statusValue(status, "SigPnd", value, sizeof value));
    printf("status SigBlk: %s\n", statusValue(status, "SigBlk", value, sizeof value));
    printf("status SigIgn: %s\n", statusValue(status, "SigIgn", value, sizeof value));
    printf("status SigCgt: %s\n", statusValue(status, "SigCgt", value, sizeof value));
    printf("status Threads: %s\n", statusValue(status, "Threads", value, sizeof value));
    unsigned long vmSize = strtoul(statusValue(status, "VmSize", value, sizeof value), NULL, 10);
    unsigned long vmExe = strtoul(statusValue(status, "VmExe", value, sizeof value), NULL, 10);
    printf("status VmSize is the mapped size %d, VmExe the code's pages %d\n", vmSize == mapped / 1024,
           vmExe == (((endCode + 4095) & ~4095UL) - (startCode & ~4095UL)) / 1024);
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    int taken;
    sigwait(&usr1, &taken);

    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", getpid());
    readStat(path);
    printf("/proc/PID/stat: pid %d startcode %d\n", field[1] == (unsigned long long)getpid(), field[26] == startCode);
    readStat("/proc/thread-self/stat");
    printf("thread-self/stat of the main thread: pid %d startstack %d\n", field[1] == (unsigned long long)getpid(),
           field[28] == (unsigned long long)(uintptr_t)argv - 8);

    // Relative to a directory of /proc: a descriptor's (as ps reads it) and the working one.
    int directory = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    check(directory >= 0, "open /proc/self");
    int fd = openat(directory, "stat", O_RDONLY | O_CLOEXEC);
    check(fd >= 0, "openat stat");
    ssize_t n = read(fd, statText, sizeof statText - 1);
    statText[n > 0 ? n : 0] = 0;
    close(fd);
    parseStat();
    printf("openat(/proc/self, \"stat\"): startcode %d startstack %d\n", field[26] == startCode,
           field[28] == (unsigned long long)(uintptr_t)argv - 8);
    char saved[4096];
    check(getcwd(saved, sizeof saved) != NULL, "getcwd");
    check(fchdir(directory) == 0, "fchdir");
    readStat("stat");
    printf("stat in /proc/self as the working directory: startcode %d\n", field[26] == startCode);
    check(chdir(saved) == 0, "chdir back");
    close(directory);

    // Two more threads.
    sem_init(&printed, 0, 0);
    sem_init(&mayExit, 0, 0);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) {
        pthread_create(&threads[i], NULL, threadBody, NULL);
        while (sem_wait(&printed) != 0) {}
    }
    slurp("/proc/self/status", status, sizeof status);
    printf("with two threads, status Threads: %s\n", statusValue(status, "Threads", value, sizeof value));
    readStat("/proc/self/stat");
    printf("with two threads, stat threads: %llu, comm %s\n", field[20], strncmp(comm, base, 15) == 0 ? "the program's" : comm);
    sem_post(&mayExit);
    sem_post(&mayExit);
    pthread_join(threads[0], NULL);
    pthread_join(threads[1], NULL);

    checkSmaps();
    checkRollupAndStatm();
    slurp("/proc/thread-self/smaps", smaps, sizeof smaps);
    printf("thread-self/smaps starts with the first mapping %d\n", strncmp(smaps, maps, strcspn(maps, "\n")) == 0);
    checkPeaks();
    return 0;
}
