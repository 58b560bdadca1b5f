/* The compute workloads as static Linux programs: the same ring-3 task objects the guest images
 * run (user_task.c, the workload, the user runtime, whose system calls are Linux's write and
 * exit), entered from a process instead of from the guest kernel. `NAME [n=SIZE|SIZE]` passes
 * the size as the images' `--append n=SIZE` does; output and verdict are the images'. */
#include <stdint.h>

void workload_task(uint64_t n) __attribute__((noreturn));

static uint64_t size_from(const char *p) {
    if (p[0] == 'n' && p[1] == '=') p += 2;
    uint64_t n = 0;
    for (; *p >= '0' && *p <= '9'; p++) n = n * 10 + (uint64_t)(*p - '0');
    return n;
}

__attribute__((noreturn)) void linux_main(long argc, char **argv) {
    workload_task(argc > 1 ? size_from(argv[1]) : 0);
}
