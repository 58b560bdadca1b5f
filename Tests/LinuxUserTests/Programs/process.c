// Processes: fork with pipes, exit statuses, children killed by signals, execve of this same
// program (argv[0]) with arguments and an environment, dup2 redirection, vfork, posix_spawn,
// SIGCHLD, WNOHANG, and failing execs.
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static const char *self;
static volatile sig_atomic_t sigchld_count;

static void on_sigchld(int sig) { (void)sig; sigchld_count++; }

static void describe(const char *what, int status) {
    if (WIFEXITED(status)) printf("%s: exited %d\n", what, WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) printf("%s: killed by signal %d\n", what, WTERMSIG(status));
    else printf("%s: status %#x\n", what, status);
}

static int child_mode(int argc, char **argv) {
    if (strcmp(argv[1], "exit") == 0) return atoi(argv[2]);
    if (strcmp(argv[1], "upper") == 0) {
        int c;
        while ((c = getchar()) != EOF) putchar(toupper(c));
        return 0;
    }
    if (strcmp(argv[1], "show") == 0) {
        printf("child argc %d:", argc);
        for (int i = 0; i < argc; i++) printf(" [%s]", i == 0 ? "argv0" : argv[i]);
        printf(" CORPUS_VAR=%s PATH set %d\n", getenv("CORPUS_VAR") ? getenv("CORPUS_VAR") : "(unset)", getenv("PATH") != NULL);
        return 0;
    }
    return 99;
}

static void read_all(int fd, const char *label) {
    char buffer[512];
    size_t total = 0;
    ssize_t n;
    while ((n = read(fd, buffer + total, sizeof buffer - 1 - total)) > 0) total += (size_t)n;
    buffer[total] = 0;
    printf("%s: \"%s\"\n", label, buffer);
}

int main(int argc, char **argv) {
    self = argv[0];
    if (argc > 1) return child_mode(argc, argv);
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGCHLD, on_sigchld);
    int status;

    // fork + pipe: the child writes, the parent reads, then reaps.
    int fds[2];
    pipe(fds);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        char text[64];
        int n = snprintf(text, sizeof text, "hello from the child, parent matches %d", getppid() == parent);
        write(fds[1], text, (size_t)n);
        _exit(7);
    }
    close(fds[1]);
    read_all(fds[0], "pipe");
    close(fds[0]);
    printf("waitpid returns the child %d\n", waitpid(pid, &status, 0) == pid);
    describe("fork child", status);

    // exec of this program with arguments.
    pid = fork();
    if (pid == 0) {
        execl(self, self, "exit", "9", (char *)NULL);
        _exit(127);
    }
    waitpid(pid, &status, 0);
    describe("exec child", status);

    // exec with a chosen environment, stdout into a pipe.
    pipe(fds);
    pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        char *args[] = { (char *)self, "show", "two words", "", "last", NULL };
        char *env[] = { "CORPUS_VAR=from execve", "OTHER=1", NULL };
        execve(self, args, env);
        _exit(127);
    }
    close(fds[1]);
    read_all(fds[0], "execve output");
    close(fds[0]);
    waitpid(pid, &status, 0);
    describe("execve child", status);

    // A two-way conversation through a filter child.
    int to_child[2], from_child[2];
    pipe(to_child);
    pipe(from_child);
    pid = fork();
    if (pid == 0) {
        dup2(to_child[0], 0);
        dup2(from_child[1], 1);
        close(to_child[0]); close(to_child[1]); close(from_child[0]); close(from_child[1]);
        execl(self, self, "upper", (char *)NULL);
        _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    const char *text = "a line for the filter\nand another\n";
    write(to_child[1], text, strlen(text));
    close(to_child[1]);
    read_all(from_child[0], "filter");
    close(from_child[0]);
    waitpid(pid, &status, 0);
    describe("filter child", status);

    // Children that die of signals.
    pid = fork();
    if (pid == 0) { kill(getpid(), SIGTERM); _exit(1); }
    waitpid(pid, &status, 0);
    describe("SIGTERM child", status);
    pid = fork();
    if (pid == 0) { signal(SIGSEGV, SIG_DFL); *(volatile int *)8 = 1; _exit(1); }
    waitpid(pid, &status, 0);
    printf("segfaulting child: killed by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : -1);

    // WNOHANG while the child is blocked, then release it.
    pipe(fds);
    pid = fork();
    if (pid == 0) {
        char byte;
        close(fds[1]);
        _exit(read(fds[0], &byte, 1) == 0 ? 5 : 6);
    }
    close(fds[0]);
    printf("WNOHANG while blocked returns %d\n", waitpid(pid, &status, WNOHANG));
    close(fds[1]);
    waitpid(pid, &status, 0);
    describe("released child", status);

    // vfork + exec, posix_spawn.
    pid = vfork();
    if (pid == 0) {
        execl(self, self, "exit", "11", (char *)NULL);
        _exit(127);
    }
    waitpid(pid, &status, 0);
    describe("vfork child", status);
    char *spawn_args[] = { (char *)self, "exit", "13", NULL };
    int error = posix_spawn(&pid, self, NULL, NULL, spawn_args, environ);
    printf("posix_spawn returned %d\n", error);
    waitpid(pid, &status, 0);
    describe("spawned child", status);

    // Failing execs leave the caller running.
    errno = 0;
    execl("/nonexistent/program", "x", (char *)NULL);
    printf("exec of a missing file: ENOENT %d\n", errno == ENOENT);
    errno = 0;
    execl("/", "x", (char *)NULL);
    printf("exec of a directory: EACCES %d\n", errno == EACCES);

    printf("no children left: ECHILD %d\n", wait(&status) == -1 && errno == ECHILD);
    printf("SIGCHLD delivered %d\n", sigchld_count > 0);
    return 0;
}
