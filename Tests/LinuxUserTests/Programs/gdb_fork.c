// A program for the gdb test of fork: parent and child both call after(); gdb debugs the
// parent only, so only the parent's call stops at a breakpoint there.
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int __attribute__((noinline)) after(int x) { return x * 2; }

int main(void) {
    pid_t child = fork();
    if (child == 0) {
        printf("child %d\n", after(3));
        return 3;
    }
    int status;
    waitpid(child, &status, 0);
    printf("parent %d, child status %d\n", after(5), WEXITSTATUS(status));
    return 0;
}
