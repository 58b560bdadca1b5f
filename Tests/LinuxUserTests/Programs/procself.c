// What /proc shows a process about itself: /proc/self/maps and /proc/PID/maps (its own text,
// stack, heap, a file mapping with an offset, a PROT_NONE mapping), /proc/self/auxv against
// getauxval, /proc/self/exe (readlink and open), /proc/self/cmdline and environ. Prints
// derived facts only (no addresses).
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

extern char **environ;

struct mapping {
    unsigned long start, end, offset, inode;
    char perms[5];
    unsigned major, minor;
    char name[PATH_MAX];
};

static struct mapping maps[4096];
static int count;
static char text[1 << 20], again[1 << 20];

static size_t slurp(const char *path, char *buf, size_t size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { printf("cannot open %s: %s\n", path, strerror(errno)); exit(1); }
    size_t have = 0;
    ssize_t n;
    while ((n = read(fd, buf + have, size - 1 - have)) > 0) have += n;
    buf[have] = 0;
    close(fd);
    return have;
}

static int wellFormed;

static void parse(void) {
    count = 0;
    wellFormed = 1;
    for (char *line = strtok(text, "\n"); line && count < 4096; line = strtok(NULL, "\n")) {
        struct mapping *m = &maps[count++];
        int used = 0;
        m->name[0] = 0;
        if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu %n", &m->start, &m->end, m->perms, &m->offset, &m->major, &m->minor,
                   &m->inode, &used) < 7) wellFormed = 0;
        if (used && line[used]) {
            strncpy(m->name, line + used, sizeof m->name - 1);
            if (used != 73) wellFormed = 0;  // names start in column 74 (index 73)
        }
        if (m->start >= m->end || (count > 1 && m->start < maps[count - 2].end)) wellFormed = 0;
    }
}

static struct mapping *containing(const void *p) {
    for (int i = 0; i < count; i++)
        if ((uintptr_t)p >= maps[i].start && (uintptr_t)p < maps[i].end) return &maps[i];
    return NULL;
}

static void describe(const char *what, const void *p, const char *self) {
    struct mapping *m = containing(p);
    if (!m) { printf("%s: in no mapping\n", what); return; }
    const char *name = m->name;
    if (self && strcmp(name, self) == 0) name = "(the program)";
    else if (strchr(name, '/')) name = strrchr(name, '/') + 1;
    printf("%s: %s %s\n", what, m->perms, name);
}

static int probe = 1;

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    char self[PATH_MAX] = {0};
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    char real[PATH_MAX];
    printf("readlink /proc/self/exe is the program: %d\n", n > 0 && realpath(argv[0], real) && strcmp(self, real) == 0);

    // A file mapped at an offset, and reserved PROT_NONE memory.
    char file[] = "mappedXXXXXX";
    int fd = mkstemp(file);
    char page[4096];
    memset(page, 'm', sizeof page);
    for (int i = 0; i < 3; i++) write(fd, page, sizeof page);
    char *mapped = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 4096);
    char *reserved = mmap(NULL, 3 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct stat st;
    fstat(fd, &st);
    char *heap = malloc(64);
    int local = 0;

    slurp("/proc/self/maps", text, sizeof text);
    parse();
    printf("maps lines well formed: %d\n", wellFormed);
    describe("main", (void *)main, self);
    describe("a static variable", &probe, self);
    describe("a local variable", &local, self);
    describe("malloc(64)", heap, self);
    describe("printf", (void *)printf, self);
    describe("PROT_NONE mapping", reserved, self);
    describe("shared anonymous", shared, self);
    struct mapping *m = containing(mapped);
    char path[PATH_MAX];
    realpath(file, path);
    printf("file mapping: %s offset %lx length %lx path matches %d device matches %d inode matches %d\n", m->perms, m->offset,
           m->end - m->start, strcmp(m->name, path) == 0, makedev(m->major, m->minor) == st.st_dev, m->inode == st.st_ino);
    struct mapping *t = containing((void *)main);
    printf("the text mapping is the program's: %d\n", strcmp(t->name, self) == 0);
    void *phdr = (void *)getauxval(AT_PHDR);
    struct mapping *ph = containing(phdr);
    printf("AT_PHDR lies in a mapping of the program: %d\n", ph && strcmp(ph->name, self) == 0);

    // /proc/PID/maps is the same file.
    char byPid[64];
    snprintf(byPid, sizeof byPid, "/proc/%d/maps", getpid());
    slurp("/proc/self/maps", text, sizeof text);
    slurp(byPid, again, sizeof again);
    printf("/proc/PID/maps equals /proc/self/maps: %d\n", strcmp(text, again) == 0);
    slurp("/proc/thread-self/maps", again, sizeof again);
    printf("/proc/thread-self/maps equals /proc/self/maps: %d\n", strcmp(text, again) == 0);
    FILE *f = fopen("/proc/self/maps", "r");
    int lines = 0;
    char line[4096];
    while (fgets(line, sizeof line, f)) lines++;
    fclose(f);
    printf("fopen and fgets read lines: %d\n", lines > 3);
    munmap(mapped, 8192);
    slurp("/proc/self/maps", text, sizeof text);
    parse();
    printf("after munmap the file mapping is gone: %d\n", containing(mapped) == NULL);

    // /proc/self/auxv against getauxval.
    uint64_t aux[256];
    size_t bytes = slurp("/proc/self/auxv", (char *)aux, sizeof aux);
    printf("auxv is whole pairs: %d\n", bytes % 16 == 0);
    int types[] = {AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE, AT_FLAGS, AT_ENTRY, AT_UID, AT_EUID, AT_GID, AT_EGID,
                   AT_SECURE, AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_CLKTCK};
    const char *names[] = {"AT_PHDR", "AT_PHENT", "AT_PHNUM", "AT_PAGESZ", "AT_BASE", "AT_FLAGS", "AT_ENTRY", "AT_UID",
                           "AT_EUID", "AT_GID", "AT_EGID", "AT_SECURE", "AT_RANDOM", "AT_EXECFN", "AT_PLATFORM", "AT_CLKTCK"};
    int lastNull = bytes >= 16 && aux[bytes / 8 - 2] == AT_NULL;
    for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++) {
        int found = 0;
        uint64_t value = 0;
        for (size_t j = 0; j + 1 < bytes / 8; j += 2)
            if (aux[j] == (uint64_t)types[i]) { found = 1; value = aux[j + 1]; break; }
        printf("%s: present %d, matches getauxval %d\n", names[i], found, found && value == getauxval(types[i]));
    }
    printf("auxv ends with AT_NULL: %d\n", lastNull);
    printf("AT_EXECFN names the program: %s\n", strcmp((char *)getauxval(AT_EXECFN), argv[0]) == 0 ? "yes" : "no");

    // /proc/self/exe opened reads the program's bytes.
    static char a[1 << 16], b[1 << 16];
    int e1 = open("/proc/self/exe", O_RDONLY), e2 = open(argv[0], O_RDONLY);
    ssize_t r1 = read(e1, a, sizeof a), r2 = read(e2, b, sizeof b);
    printf("/proc/self/exe reads the program: %d\n", r1 == r2 && r1 > 0 && memcmp(a, b, r1) == 0 && memcmp(a, ELFMAG, 4) == 0);
    close(e1);
    close(e2);

    // cmdline and environ: NUL-separated argv and environment.
    size_t cl = slurp("/proc/self/cmdline", text, sizeof text);
    size_t expected = 0;
    int same = 1;
    for (int i = 0; i < argc; i++) {
        size_t len = strlen(argv[i]) + 1;
        if (expected + len > cl || memcmp(text + expected, argv[i], len) != 0) same = 0;
        expected += len;
    }
    printf("cmdline is argv: %d (%d arguments)\n", same && expected == cl, argc);
    size_t el = slurp("/proc/self/environ", text, sizeof text);
    expected = 0;
    same = 1;
    for (char **e = environ; *e; e++) {
        size_t len = strlen(*e) + 1;
        if (expected + len > el || memcmp(text + expected, *e, len) != 0) same = 0;
        expected += len;
    }
    printf("environ is the environment: %d\n", same && expected == el);
    unlink(file);
    return 0;
}
