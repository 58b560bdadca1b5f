// File and directory I/O in a fresh directory under the current one: open/read/write/lseek,
// pread/pwrite, readv/writev, fstat/stat/lstat, directory listing, rename, links, truncate,
// dup and fcntl, chdir/getcwd, access, umask; then everything removed again.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *path) {
    DIR *dir = opendir(path);
    if (!dir) { printf("opendir %s failed errno %d\n", path, errno); return; }
    char *names[64];
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) && count < 64) {
        char type = entry->d_type == DT_DIR ? 'd' : entry->d_type == DT_REG ? 'f' : entry->d_type == DT_LNK ? 'l' : '?';
        names[count] = malloc(strlen(entry->d_name) + 3);
        sprintf(names[count], "%c:%s", type, entry->d_name);
        count++;
    }
    closedir(dir);
    qsort(names, (size_t)count, sizeof names[0], compare_names);
    printf("%s:", path);
    for (int i = 0; i < count; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");
}

int main(void) {
    umask(022);
    char dir[] = "corpus-XXXXXX";
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    if (chdir(dir) != 0) { perror("chdir"); return 1; }
    char cwd[4096];
    getcwd(cwd, sizeof cwd);
    printf("getcwd ends with the new directory %d\n", strcmp(strrchr(cwd, '/') + 1, dir) == 0);

    int fd = open("data.bin", O_CREAT | O_EXCL | O_RDWR, 0666);
    printf("open O_EXCL %d; again fails EEXIST %d\n", fd >= 0, open("data.bin", O_CREAT | O_EXCL | O_RDWR, 0666) == -1 && errno == EEXIST);
    char block[10000];
    for (int i = 0; i < (int)sizeof block; i++) block[i] = (char)(i * 31 + i / 7);
    printf("write %zd\n", write(fd, block, sizeof block));
    long end = (long)lseek(fd, 0, SEEK_END);
    long set = (long)lseek(fd, 100, SEEK_SET);
    long cur = (long)lseek(fd, 50, SEEK_CUR);
    printf("lseek end %ld set %ld cur %ld\n", end, set, cur);
    char back[200];
    ssize_t got = read(fd, back, sizeof back);
    printf("read %zd matches %d\n", got, memcmp(back, block + 150, sizeof back) == 0);
    ssize_t wrote = pwrite(fd, "PWRITE", 6, 20000);
    got = pread(fd, back, 10, 19998);
    printf("pwrite %zd pread %zd\n", wrote, got);
    printf("pread bytes %d %d %.6s\n", back[0], back[1], back + 2);
    printf("file position unchanged %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    struct iovec parts[3] = { { "one ", 4 }, { "two ", 4 }, { "three\n", 6 } };
    lseek(fd, 0, SEEK_SET);
    printf("writev %zd\n", writev(fd, parts, 3));
    char a[5] = {0}, b[9] = {0};
    struct iovec in[2] = { { a, 4 }, { b, 8 } };
    lseek(fd, 0, SEEK_SET);
    got = readv(fd, in, 2);
    printf("readv %zd '%s' '%s'\n", got, a, b);

    struct stat st;
    fstat(fd, &st);
    printf("fstat size %lld regular %d mode %o links %ld blocks>0 %d\n", (long long)st.st_size, S_ISREG(st.st_mode),
           st.st_mode & 07777, (long)st.st_nlink, st.st_blocks > 0);
    printf("ftruncate %d\n", ftruncate(fd, 4096));
    stat("data.bin", &st);
    printf("stat size after truncate %lld\n", (long long)st.st_size);

    int copy = dup(fd);
    lseek(fd, 77, SEEK_SET);
    printf("dup shares the offset %d\n", lseek(copy, 0, SEEK_CUR) == 77);
    printf("fcntl O_RDWR %d cloexec %d\n", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, fcntl(fd, F_GETFD) & FD_CLOEXEC);
    fcntl(copy, F_SETFD, FD_CLOEXEC);
    printf("cloexec set %d\n", fcntl(copy, F_GETFD) & FD_CLOEXEC);
    int high = fcntl(fd, F_DUPFD, 100);
    printf("F_DUPFD >= 100 %d\n", high >= 100);
    close(high);
    close(copy);
    close(fd);

    mkdir("sub", 0755);
    mkdir("sub/inner", 0700);
    printf("mkdir existing EEXIST %d\n", mkdir("sub", 0755) == -1 && errno == EEXIST);
    FILE *text = fopen("sub/notes.txt", "w");
    for (int i = 0; i < 100; i++) fprintf(text, "line %d\n", i);
    fclose(text);
    printf("rename %d\n", rename("sub/notes.txt", "sub/inner/moved.txt"));
    int symlinked = symlink("inner/moved.txt", "sub/pointer");
    printf("symlink %d link %d\n", symlinked, link("data.bin", "hard"));
    char target[64] = {0};
    got = readlink("sub/pointer", target, sizeof target - 1);
    printf("readlink %zd '%s'\n", got, target);
    lstat("sub/pointer", &st);
    printf("lstat symlink %d\n", S_ISLNK(st.st_mode));
    stat("sub/pointer", &st);
    printf("stat through symlink size %lld\n", (long long)st.st_size);
    stat("data.bin", &st);
    printf("hard link count %ld\n", (long)st.st_nlink);
    printf("chmod %d\n", chmod("data.bin", 0600));
    stat("data.bin", &st);
    printf("mode now %o\n", st.st_mode & 07777);
    int readable = access("data.bin", R_OK);
    int executable = access("data.bin", X_OK) == 0;
    printf("access R_OK %d X_OK %d missing %d\n", readable, executable, access("nothing", F_OK) == -1 && errno == ENOENT);
    list(".");
    list("sub");
    list("sub/inner");

    text = fopen("sub/pointer", "r");
    char line[32];
    int lines = 0;
    while (fgets(line, sizeof line, text)) lines++;
    fclose(text);
    printf("read %d lines through the symlink, last %s", lines, line);

    printf("open missing ENOENT %d\n", open("missing/file", O_RDONLY) == -1 && errno == ENOENT);
    printf("unlink directory fails %d\n", unlink("sub") == -1);
    printf("rmdir non-empty ENOTEMPTY %d\n", rmdir("sub") == -1 && errno == ENOTEMPTY);
    int results[6];
    results[0] = unlink("sub/pointer");
    results[1] = unlink("sub/inner/moved.txt");
    results[2] = rmdir("sub/inner");
    results[3] = rmdir("sub");
    results[4] = unlink("hard");
    results[5] = unlink("data.bin");
    printf("cleanup %d %d %d %d %d %d\n", results[0], results[1], results[2], results[3], results[4], results[5]);
    chdir("..");
    printf("rmdir %d\n", rmdir(dir));
    return 0;
}
