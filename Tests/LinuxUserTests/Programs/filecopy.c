// Kernel-side copies and assorted calls real programs make: sendfile, splice, tee, vmsplice,
// copy_file_range, memfd_create, statfs/fstatfs, getcwd/fchdir, flock, prctl PR_SET_NAME,
// sched_yield, sched_getaffinity, getrandom, and the clocks glibc reads through the vDSO
// natively (clock_gettime, gettimeofday, time, getcpu). Prints derived facts only.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

// A call's result, and its errno when it failed (the call runs before strerror reads errno).
#define SHOW(label, call) do { long r_ = (long)(call); printf("%s: %ld %s\n", label, r_, r_ < 0 ? strerror(errno) : ""); } while (0)

static void check(int ok, const char *what) {
    if (!ok) { printf("FAILED %s: %s\n", what, strerror(errno)); exit(1); }
}

static unsigned sum(const char *path) {
    int fd = open(path, O_RDONLY);
    unsigned char b[8192];
    unsigned s = 0;
    ssize_t n;
    while ((n = read(fd, b, sizeof b)) > 0) for (ssize_t i = 0; i < n; i++) s = s * 31 + b[i];
    close(fd);
    return s;
}

static void copies(void) {
    int src = open("source", O_CREAT | O_RDWR | O_TRUNC, 0644);
    char block[1000];
    for (int i = 0; i < 100; i++) {
        for (int j = 0; j < 1000; j++) block[j] = (char)('a' + (i * 7 + j) % 26);
        write(src, block, sizeof block);
    }
    printf("source: 100000 bytes, checksum %08x\n", sum("source"));

    int out = open("by-sendfile", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    off_t offset = 1000;
    ssize_t n = sendfile(out, src, &offset, 50000);
    printf("sendfile: %zd bytes, offset now %ld, checksum %08x\n", n, (long)offset, sum("by-sendfile"));
    lseek(src, 99000, SEEK_SET);
    n = sendfile(out, src, NULL, 5000);
    printf("sendfile from the file position: %zd, position now %ld\n", n, (long)lseek(src, 0, SEEK_CUR));
    close(out);
    SHOW("sendfile to a closed descriptor", sendfile(out, src, NULL, 10));
    SHOW("sendfile with a bad offset pointer", sendfile(1, src, (off_t *)8, 10));

    out = open("by-copy", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    loff_t in = 500, at = 0;
    n = copy_file_range(src, &in, out, &at, 20000, 0);
    printf("copy_file_range: %zd bytes, offsets %lld %lld, checksum %08x\n", n, (long long)in, (long long)at, sum("by-copy"));
    close(out);

    int p[2];
    check(pipe(p) == 0, "pipe");
    out = open("by-splice", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    loff_t from = 2000;
    ssize_t total = 0;
    while (total < 30000) {
        ssize_t in1 = splice(src, &from, p[1], NULL, 30000 - total < 16384 ? 30000 - total : 16384, 0);
        check(in1 > 0, "splice in");
        ssize_t done = 0;
        while (done < in1) {
            ssize_t o = splice(p[0], NULL, out, NULL, in1 - done, 0);
            check(o > 0, "splice out");
            done += o;
        }
        total += in1;
    }
    close(out);
    printf("splice through a pipe: %zd bytes, offset %lld, checksum %08x\n", total, (long long)from, sum("by-splice"));

    int q[2];
    check(pipe(q) == 0, "pipe 2");
    write(p[1], "duplicated by tee", 17);
    n = tee(p[0], q[1], 100, 0);
    char a[32] = {0}, b[32] = {0};
    read(p[0], a, sizeof a);
    read(q[0], b, sizeof b);
    printf("tee: %zd bytes, both ends read \"%s\" \"%s\"\n", n, a, b);
    struct iovec iov[2] = {{"vm", 2}, {"splice", 6}};
    n = vmsplice(p[1], iov, 2, 0);
    memset(a, 0, sizeof a);
    read(p[0], a, sizeof a);
    printf("vmsplice: %zd bytes \"%s\"\n", n, a);
    SHOW("splice into a read end", splice(src, NULL, p[0], NULL, 10, 0));
    close(p[0]); close(p[1]); close(q[0]); close(q[1]);
    close(src);
}

static void memfds(void) {
    int m = memfd_create("surface-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    check(m >= 0, "memfd_create");
    check(ftruncate(m, 8192) == 0, "ftruncate");
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
    strcpy(p + 4096, "written through the mapping");
    char b[64] = {0};
    pread(m, b, sizeof b - 1, 4096);
    printf("memfd: read back \"%s\"\n", b);
    char link[64], target[PATH_MAX] = {0};
    snprintf(link, sizeof link, "/proc/self/fd/%d", m);
    readlink(link, target, sizeof target - 1);
    printf("memfd link: %s\n", target);
    check(fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK) == 0, "seal");
    SHOW("seals", fcntl(m, F_GET_SEALS));
    SHOW("ftruncate to shrink", ftruncate(m, 10));
    printf("close-on-exec: %d\n", (fcntl(m, F_GETFD) & FD_CLOEXEC) != 0);
    munmap(p, 8192);
    close(m);
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    SHOW("memfd with a 299-byte name", memfd_create(longname, 0));
}

static void directories(void) {
    struct statfs a, b;
    check(statfs(".", &a) == 0, "statfs");
    int dot = open(".", O_RDONLY | O_DIRECTORY);
    check(fstatfs(dot, &b) == 0, "fstatfs");
    printf("statfs and fstatfs agree: %d\n", a.f_type == b.f_type && a.f_bsize == b.f_bsize && a.f_fsid.__val[0] == b.f_fsid.__val[0]);
    struct statfs proc;
    statfs("/proc", &proc);
    printf("/proc is procfs: %d\n", proc.f_type == 0x9fa0);
    char here[PATH_MAX], there[PATH_MAX];
    check(getcwd(here, sizeof here) != NULL, "getcwd");
    mkdir("sub", 0755);
    chdir("sub");
    getcwd(there, sizeof there);
    printf("chdir into sub: %d\n", strlen(there) == strlen(here) + 4 && strcmp(there + strlen(here), "/sub") == 0);
    check(fchdir(dot) == 0, "fchdir");
    getcwd(there, sizeof there);
    printf("fchdir back: %d\n", strcmp(here, there) == 0);
    char tiny[2];
    char *r = getcwd(tiny, sizeof tiny);
    printf("getcwd into 2 bytes: %s %s\n", r ? "ok" : "NULL", strerror(errno));
    SHOW("fchdir to a file", fchdir(0));
    rmdir("sub");
    close(dot);
}

static void locks(void) {
    int a = open("lockfile", O_CREAT | O_RDWR, 0644), b = open("lockfile", O_RDWR);
    SHOW("flock exclusive", flock(a, LOCK_EX | LOCK_NB));
    SHOW("second open's shared lock", flock(b, LOCK_SH | LOCK_NB));
    flock(a, LOCK_UN);
    printf("after unlock: %d\n", flock(b, LOCK_SH | LOCK_NB));
    close(a);
    close(b);
    unlink("lockfile");
}

static void process(void) {
    check(prctl(PR_SET_NAME, "surface-name") == 0, "PR_SET_NAME");
    char name[17] = {0};
    prctl(PR_GET_NAME, name);
    char comm[32] = {0};
    int fd = open("/proc/self/comm", O_RDONLY);
    read(fd, comm, sizeof comm - 1);
    close(fd);
    printf("PR_GET_NAME \"%s\", /proc/self/comm \"%.*s\"\n", name, (int)strcspn(comm, "\n"), comm);
    printf("sched_yield: %d\n", sched_yield());
    cpu_set_t set;
    CPU_ZERO(&set);
    check(sched_getaffinity(0, sizeof set, &set) == 0, "sched_getaffinity");
    printf("affinity has CPUs: %d, as many as online: %d\n", CPU_COUNT(&set) > 0, CPU_COUNT(&set) == sysconf(_SC_NPROCESSORS_ONLN));
    unsigned char random[64];
    printf("getrandom: %zd, nonblocking %zd\n", getrandom(random, sizeof random, 0), getrandom(random, 16, GRND_NONBLOCK));
    void *volatile bad = (void *)8;
    SHOW("getrandom into a bad pointer", getrandom(bad, 16, 0));
}

static void clocks(void) {
    struct timespec m1, m2, real, res;
    clock_gettime(CLOCK_MONOTONIC, &m1);
    clock_gettime(CLOCK_MONOTONIC, &m2);
    printf("CLOCK_MONOTONIC does not go back: %d\n", m2.tv_sec > m1.tv_sec || (m2.tv_sec == m1.tv_sec && m2.tv_nsec >= m1.tv_nsec));
    clock_gettime(CLOCK_REALTIME, &real);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    time_t t = time(NULL);
    printf("realtime, gettimeofday and time agree: %d\n", labs(real.tv_sec - tv.tv_sec) <= 1 && labs(t - tv.tv_sec) <= 1);
    printf("it is after 2024: %d\n", t > 1704067200);
    clock_getres(CLOCK_MONOTONIC, &res);
    printf("CLOCK_MONOTONIC resolution: %ld ns\n", res.tv_nsec);
    struct timespec cpu;
    printf("process CPU clock: %d, coarse clock %d, boottime %d\n", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu),
           clock_gettime(CLOCK_MONOTONIC_COARSE, &m1), clock_gettime(CLOCK_BOOTTIME, &m2));
    SHOW("bad clock", clock_gettime(12345, &m1));
    int c = sched_getcpu();
    printf("sched_getcpu: %d\n", c >= 0 && c < CPU_SETSIZE);
    unsigned cpuNumber = 999, node = 999;
    printf("getcpu: %d, cpu in range %d\n", getcpu(&cpuNumber, &node), cpuNumber < CPU_SETSIZE);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    copies();
    memfds();
    directories();
    locks();
    process();
    clocks();
    return 0;
}
