/* fork, pipe, wait4, execve of itself, kill with a handler, alarm and pause, exit status. */
#include "runtime.h"

static volatile int got;
static void on_signal(int sig) { got = sig; }

int main(int argc, char **argv, char **envp) {
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        puts1("exec'd child says "); puts1(argv[2]); puts1("\n");
        return 33;
    }
    int fds[2];
    line("pipe", sys1(SYS_pipe, fds));
    long pid = sys0(SYS_fork);
    if (pid == 0) {
        sys1(SYS_close, fds[0]);
        put(fds[1], "through the pipe");
        exit_group(5);
    }
    sys1(SYS_close, fds[1]);
    char buf[64] = {0};
    long n = sys3(SYS_read, fds[0], buf, sizeof buf - 1);
    line("read", n);
    puts1(buf); puts1("\n");
    int status = 0;
    line("wait4 is the child", sys4(SYS_wait4, pid, &status, 0, 0) == pid);
    line("child status", (status >> 8) & 0xff);

    pid = sys0(SYS_fork);
    if (pid == 0) {
        char *args[] = { argv[0], "child", "hi", 0 };
        sys3(SYS_execve, argv[0], args, envp);
        exit_group(99);
    }
    sys4(SYS_wait4, pid, &status, 0, 0);
    line("exec'd status", (status >> 8) & 0xff);
    line("execve missing", sys3(SYS_execve, "/nonexistent", argv, envp));

    pid = sys0(SYS_fork);
    if (pid == 0) { for (;;) sys0(SYS_pause); }
    sys2(SYS_kill, pid, 15);
    sys4(SYS_wait4, pid, &status, 0, 0);
    line("killed by", status & 0x7f);

    line("sigaction", sigaction_install(10, (void *)on_signal, 0));
    sys2(SYS_kill, sys0(SYS_getpid), 10);
    line("got", got);
    sigaction_install(14, (void *)on_signal, 0);
    sys1(SYS_alarm, 1);
    long r = sys0(SYS_pause);
    line("pause", r);
    line("got", got);
    return 7;
}
