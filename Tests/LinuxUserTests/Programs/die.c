// Ways to end: exit statuses and deaths by signal, chosen by the first argument, so the test
// can compare how the caller sees each one.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *how = argc > 1 ? argv[1] : "";
    printf("ending by %s\n", how);
    fflush(stdout);
    if (strcmp(how, "exit") == 0) exit(argc > 2 ? atoi(argv[2]) : 0);
    if (strcmp(how, "return") == 0) return 200;
    if (strcmp(how, "segv") == 0) { *(volatile int *)0x40 = 1; }
    if (strcmp(how, "abort") == 0) abort();
    if (strcmp(how, "term") == 0) raise(SIGTERM);
    if (strcmp(how, "kill") == 0) kill(getpid(), SIGKILL);
    if (strcmp(how, "ill") == 0) __asm__ volatile("ud2");
    if (strcmp(how, "fpe") == 0) __asm__ volatile("xor %%ecx, %%ecx\n\tcdq\n\tidiv %%ecx" ::: "eax", "ecx", "edx");
    if (strcmp(how, "usr1") == 0) raise(SIGUSR1);
    if (strcmp(how, "unflushed") == 0) { printf("this stays in the buffer"); _exit(4); }
    if (strcmp(how, "stderr") == 0) { fputs("complaint on stderr\n", stderr); exit(1); }
    puts("no such way");
    return 2;
}
