// The process as the loader built it: arguments, environment and auxiliary vector, identity
// and limits, uname.
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

extern char _start[];

static int compare(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv, char **envp) {
    printf("argc %d\n", argc);
    for (int i = 1; i < argc; i++) printf("argv[%d] '%s'\n", i, argv[i]);
    printf("argv[argc] NULL %d, envp follows argv %d\n", argv[argc] == NULL, envp == argv + argc + 1);
    int count = 0;
    while (envp[count]) count++;
    char **sorted = malloc(sizeof(char *) * (size_t)(count + 1));
    memcpy(sorted, envp, sizeof(char *) * (size_t)count);
    qsort(sorted, (size_t)count, sizeof(char *), compare);
    for (int i = 0; i < count; i++) printf("env %s\n", sorted[i]);
    printf("getenv CORPUS_VAR '%s'\n", getenv("CORPUS_VAR") ? getenv("CORPUS_VAR") : "(unset)");

    printf("AT_PAGESZ %lu AT_CLKTCK %lu AT_SECURE %lu\n", getauxval(AT_PAGESZ), getauxval(AT_CLKTCK), getauxval(AT_SECURE));
    printf("AT_UID/EUID/GID/EGID match %d %d %d %d\n", getauxval(AT_UID) == getuid(), getauxval(AT_EUID) == geteuid(),
           getauxval(AT_GID) == getgid(), getauxval(AT_EGID) == getegid());
    printf("AT_ENTRY is _start %d\n", getauxval(AT_ENTRY) == (uintptr_t)_start);
    printf("AT_PHDR set %d AT_PHENT %lu AT_PHNUM > 0 %d\n", getauxval(AT_PHDR) != 0, getauxval(AT_PHENT), getauxval(AT_PHNUM) > 0);
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    printf("AT_EXECFN is argv[0] %d\n", execfn && strcmp(execfn, argv[0]) == 0);
    const char *platform = (const char *)getauxval(AT_PLATFORM);
    printf("AT_PLATFORM %s\n", platform ? platform : "(none)");
    const unsigned char *random = (const unsigned char *)getauxval(AT_RANDOM);
    int nonzero = 0;
    for (int i = 0; random && i < 16; i++) nonzero |= random[i];
    printf("AT_RANDOM present %d not all zero %d\n", random != NULL, nonzero != 0);

    struct utsname name;
    uname(&name);
    printf("uname %s %s\n", name.sysname, name.machine);
    printf("pid = tid %d, ppid set %d\n", getpid() == gettid(), getppid() > 0);
    printf("uid %u gid %u\n", getuid(), getgid());
    printf("sysconf pagesize %ld clk_tck %ld\n", sysconf(_SC_PAGESIZE), sysconf(_SC_CLK_TCK));
    cpu_set_t cpus;
    int affinity = sched_getaffinity(0, sizeof cpus, &cpus);
    printf("sched_getaffinity %d at least one cpu %d\n", affinity, CPU_COUNT(&cpus) > 0);
    struct rlimit files;
    getrlimit(RLIMIT_NOFILE, &files);
    printf("RLIMIT_NOFILE soft %lu\n", (unsigned long)files.rlim_cur);
    char cwd[4096];
    printf("getcwd ok %d\n", getcwd(cwd, sizeof cwd) != NULL && cwd[0] == '/');
    // Stack alignment as the ABI promises at function entry.
    printf("stack aligned %d\n", ((uintptr_t)__builtin_frame_address(0) & 15) == 0);
    return 0;
}
