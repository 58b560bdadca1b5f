/* File I/O in the directory given as argv[1]: create, write, seek, read back, stat, list, unlink. */
#include "runtime.h"

#define AT_FDCWD -100
#define O_RDWR 2
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_DIRECTORY 0200000

static char path[512];

static void join(const char *dir, const char *name) {
    size_t n = strlen(dir), i;
    for (i = 0; i < n; i++) path[i] = dir[i];
    path[i++] = '/';
    for (size_t j = 0; name[j]; j++) path[i++] = name[j];
    path[i] = 0;
}

int main(int argc, char **argv, char **envp) {
    (void)envp;
    if (argc < 2) return 1;
    join(argv[1], "data.txt");
    long fd = sys4(SYS_openat, AT_FDCWD, path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    line("open", fd);
    line("write", sys3(SYS_write, fd, "0123456789abcdef", 16));
    line("lseek", sys3(SYS_lseek, fd, 4, 0));
    char buf[32] = {0};
    line("read", sys3(SYS_read, fd, buf, 8));
    puts1("got "); puts1(buf); puts1("\n");
    unsigned long st[18];
    line("fstat", sys2(SYS_fstat, fd, st));
    line("size", (long)st[6]);
    line("mode", (long)(st[3] & 0777));
    line("close", sys1(SYS_close, fd));
    line("read closed", sys3(SYS_read, fd, buf, 8));
    line("read bad pointer", sys3(SYS_read, 0, (void *)16, 8));
    line("open missing", sys4(SYS_openat, AT_FDCWD, "/nonexistent/file", 0, 0));
    join(argv[1], "sub");
    line("mkdir", sys2(SYS_mkdir, path, 0755));
    line("mkdir again", sys2(SYS_mkdir, path, 0755));
    long dir = sys4(SYS_openat, AT_FDCWD, argv[1], O_DIRECTORY, 0);
    char dents[1024];
    long n = sys3(SYS_getdents64, dir, dents, sizeof dents);
    int entries = 0;
    for (long off = 0; off < n; off += *(unsigned short *)(dents + off + 16)) entries++;
    line("entries", entries);
    sys1(SYS_close, dir);
    join(argv[1], "data.txt");
    line("unlink", sys1(SYS_unlink, path));
    line("unlink again", sys1(SYS_unlink, path));
    return 0;
}
