// Memory mappings as Linux manages them: anonymous and file mappings (private and shared, at
// offsets), munmap of a middle part, mremap, MAP_FIXED and MAP_FIXED_NOREPLACE, mprotect with
// the faults it causes, madvise(MADV_DONTNEED), brk/sbrk, and the errors of bad requests.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static sigjmp_buf recover;
static void *fault_address;
static volatile int probing;
static void on_segv(int sig, siginfo_t *info, void *context) {
    (void)context;
    if (!probing) { signal(sig, SIG_DFL); return; }   // an unexpected fault: die of it
    probing = 0;
    fault_address = info->si_addr;
    siglongjmp(recover, 1);
}

// 1 when reading (or writing) `p` faults at exactly p.
static int faults(volatile char *p, int write) {
    fault_address = NULL;
    if (sigsetjmp(recover, 1) == 0) {
        probing = 1;
        if (write) *p = 1; else (void)*p;
        probing = 0;
        return 0;
    }
    return fault_address == (void *)p ? 1 : 2;
}

int main(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_segv;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &action, NULL);
    long page = sysconf(_SC_PAGESIZE);
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("page size %ld\n", page);

    char *a = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("anonymous mapping aligned %d zeroed %d\n", ((uintptr_t)a & (page - 1)) == 0, a[0] == 0 && a[8 * page - 1] == 0);
    for (int i = 0; i < 8; i++) a[i * page] = (char)('A' + i);
    printf("munmap middle %d\n", munmap(a + 3 * page, 2 * page));
    printf("hole faults %d %d, edges readable %c %c\n", faults(a + 3 * page, 0), faults(a + 5 * page - 1, 0), a[2 * page], a[5 * page]);
    char *again = mmap(a + 3 * page, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("MAP_FIXED_NOREPLACE into the hole at the address %d\n", again == a + 3 * page);
    errno = 0;
    char *clash = mmap(a, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("MAP_FIXED_NOREPLACE over a mapping fails EEXIST %d\n", clash == MAP_FAILED && errno == EEXIST);
    char *fixed = mmap(a + page, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED replaces: at the address %d zeroed %d neighbour kept %c\n", fixed == a + page, a[page] == 0, a[0]);

    printf("mprotect read-only %d\n", mprotect(a, page, PROT_READ));
    printf("write to read-only faults %d, read works %c\n", faults(a + 10, 1), a[0]);
    mprotect(a, page, PROT_NONE);
    printf("PROT_NONE read faults %d\n", faults(a + 100, 0));
    mprotect(a, page, PROT_READ | PROT_WRITE);
    printf("writable again %d\n", faults(a + 100, 1));

    // mremap: grow in place or move, contents kept.
    char *r = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(r, 'r', 2 * page);
    mprotect(r + 2 * page, page, PROT_READ);   // a separate mapping right after: no growth in place
    errno = 0;
    char *grown = mremap(r, 2 * page, 6 * page, 0);
    printf("mremap without MAYMOVE blocked ENOMEM %d\n", grown == MAP_FAILED && errno == ENOMEM);
    grown = mremap(r, 2 * page, 6 * page, MREMAP_MAYMOVE);
    printf("mremap MAYMOVE moved %d kept %d new part zero %d\n", grown != r, grown[0] == 'r' && grown[2 * page - 1] == 'r', grown[6 * page - 1] == 0);
    printf("old address faults %d\n", faults(r, 0));
    char *shrunk = mremap(grown, 6 * page, page, 0);
    printf("mremap shrink in place %d tail faults %d\n", shrunk == grown, faults(grown + 2 * page, 0));

    // File mappings: private at an offset, shared with write-back.
    char name[] = "mmap-XXXXXX";
    int fd = mkstemp(name);
    for (int i = 0; i < 3; i++) {
        memset(a, '0' + i, page);
        write(fd, a, page);
    }
    char *file = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, page);
    printf("file mapping at offset: %c %c\n", file[0], file[page - 1]);
    errno = 0;
    printf("unaligned offset EINVAL %d\n", mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED && errno == EINVAL);
    char *shared = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    memcpy(shared + 2 * page + 10, "SHARED", 6);
    msync(shared, 3 * page, MS_SYNC);
    char back[7] = {0};
    pread(fd, back, 6, 2 * page + 10);
    printf("shared write reaches the file: %s\n", back);
    char *priv = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    priv[5] = 'P';
    pread(fd, back, 1, 5);
    printf("private write stays private: file %c mapping %c; private sees shared data %.6s\n", back[0], priv[5], priv + 2 * page + 10);
    char *beyond = mmap(NULL, 2 * page, PROT_READ, MAP_PRIVATE, fd, 2 * page);
    printf("mapping that runs past the end of the file: first page %c\n", beyond[0]);
    munmap(beyond, 2 * page);
    close(fd);
    unlink(name);

    // madvise(MADV_DONTNEED) on private anonymous memory reads back zero.
    memset(a, 'x', page);
    int advised = madvise(a, page, MADV_DONTNEED);
    printf("madvise %d zero after %d\n", advised, a[0] == 0 && a[page - 1] == 0);

    // The program break, through the system call (musl's sbrk refuses to grow it).
    uintptr_t brk_start = (uintptr_t)syscall(SYS_brk, 0);
    uintptr_t brk_end = (uintptr_t)syscall(SYS_brk, brk_start + 3 * page);
    printf("brk grows %d\n", brk_end == brk_start + 3 * page);
    memset((void *)brk_start, 'b', 3 * page);
    printf("brk memory usable %d\n", ((char *)brk_start)[3 * page - 1] == 'b');
    printf("brk shrinks back %d\n", (uintptr_t)syscall(SYS_brk, brk_start) == brk_start);
    printf("released memory faults %d\n", faults((char *)brk_start + 2 * page, 0));
    printf("brk below the start refused %d\n", (uintptr_t)syscall(SYS_brk, brk_start - (64 << 20)) == brk_start);

    // Bad requests; `gone` is a page that was mapped and no longer is.
    char *gone = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(gone, page);
    errno = 0;
    printf("length 0 EINVAL %d\n", mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL);
    errno = 0;
    printf("munmap unaligned EINVAL %d\n", munmap(a + 1, page) == -1 && errno == EINVAL);
    errno = 0;
    printf("mprotect unmapped ENOMEM %d\n", mprotect(gone, page, PROT_READ) == -1 && errno == ENOMEM);
    errno = 0;
    printf("bad fd EBADF %d\n", mmap(NULL, page, PROT_READ, MAP_PRIVATE, 1000, 0) == MAP_FAILED && errno == EBADF);
    errno = 0;
    printf("huge ENOMEM %d\n", mmap(NULL, (size_t)1 << 50, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == ENOMEM);
    printf("munmap of nothing mapped %d\n", munmap(gone, page));
    return 0;
}
