/* brk and mmap as Linux gives them: growth, zero fill, MAP_FIXED, MAP_FIXED_NOREPLACE, mremap,
 * mprotect, munmap, and the errors for bad arguments. */
#include "runtime.h"

#define PROT_READ 1
#define PROT_WRITE 2
#define MAP_PRIVATE 2
#define MAP_SHARED 1
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000
#define MREMAP_MAYMOVE 1

int main(int argc, char **argv, char **envp) {
    (void)argc; (void)argv; (void)envp;
    unsigned long start = sys1(SYS_brk, 0);
    unsigned long grown = sys1(SYS_brk, start + 100000);
    line("brk grows", grown == start + 100000);
    char *heap = (char *)start;
    long sum = 0;
    for (int i = 0; i < 100000; i += 4096) sum += heap[i];
    line("brk zero", sum);
    heap[99999] = 7;
    line("brk shrink", sys1(SYS_brk, start + 10) == (long)(start + 10));
    line("brk below start refused", sys1(SYS_brk, start - 4096) == (long)(start + 10));

    char *m = (char *)sys6(SYS_mmap, 0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    line("mmap ok", (unsigned long)m < -4096UL);
    line("mmap aligned", ((unsigned long)m & 4095) == 0);
    m[0] = 1; m[3 * 4096 - 1] = 2;
    line("fixed noreplace", sys6(SYS_mmap, (long)m, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0));
    char *f = (char *)sys6(SYS_mmap, (long)m + 4096, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    line("fixed same address", f == m + 4096);
    line("fixed fresh zero", m[4096]);
    line("first page kept", m[0]);
    char *r = (char *)sys4(SYS_mremap, m, 3 * 4096, 64 * 4096, MREMAP_MAYMOVE);
    line("mremap ok", (unsigned long)r < -4096UL);
    line("mremap kept contents", r[0] + r[3 * 4096 - 1]);
    r[64 * 4096 - 1] = 9;
    line("mremap shrink", sys4(SYS_mremap, r, 64 * 4096, 4096, 0) == (long)r);
    line("mprotect", sys3(SYS_mprotect, r, 4096, PROT_READ));
    line("mprotect unmapped", sys3(SYS_mprotect, r + 4096, 4096, PROT_READ));
    line("mprotect unaligned", sys3(SYS_mprotect, r + 1, 4096, PROT_READ));
    line("read-only still readable", r[0]);
    line("munmap", sys2(SYS_munmap, r, 4096));
    line("munmap unaligned", sys2(SYS_munmap, (long)r + 1, 4096));
    line("mmap zero length", sys6(SYS_mmap, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    line("mmap no type", sys6(SYS_mmap, 0, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0));
    line("mmap bad fd", sys6(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, 99, 0));
    line("mmap unaligned offset", sys6(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 12));
    /* A shared anonymous page survives fork: the child's write is seen by the parent. */
    int *shared = (int *)sys6(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    long pid = sys0(SYS_fork);
    if (pid == 0) { shared[0] = 42; exit_group(0); }
    int status = 0;
    sys4(SYS_wait4, pid, &status, 0, 0);
    line("shared after fork", shared[0]);
    return 0;
}
