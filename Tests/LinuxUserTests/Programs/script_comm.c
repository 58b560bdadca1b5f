// An interpreter for #! scripts: prints what the process it runs in is named (comm,
// PR_GET_NAME, status Name), its arguments, AT_EXECFN and whether /proc/self/exe is itself.
// Run as "script_comm exec SCRIPT ARGS..." it executes SCRIPT instead (a guest execve).
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <unistd.h>

static void slurpLine(const char *path, const char *prefix, char *out, size_t size) {
    out[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, prefix, strlen(prefix)) == 0) {
            snprintf(out, size, "%s", line + strlen(prefix));
            out[strcspn(out, "\n")] = 0;
            break;
        }
    }
    fclose(f);
}

int main(int argc, char **argv) {
    if (argc > 2 && strcmp(argv[1], "exec") == 0) {
        execv(argv[2], argv + 2);
        perror("execv");
        return 1;
    }
    char comm[64], name[17] = "", status[64], exe[4096] = "";
    slurpLine("/proc/self/comm", "", comm, sizeof comm);
    prctl(PR_GET_NAME, name);
    slurpLine("/proc/self/status", "Name:\t", status, sizeof status);
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    printf("comm %s\nPR_GET_NAME %s\nstatus Name %s\n", comm, name, status);
    printf("exe is this interpreter %d\n", strstr(exe, "script_comm") != NULL);
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    printf("AT_EXECFN %s\n", execfn ? strrchr(execfn, '/') ? strrchr(execfn, '/') + 1 : execfn : "(none)");
    // Paths by their last component: the test's directories differ between runs.
    for (int i = 0; i < argc; i++) printf("argv[%d] %s\n", i, strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i]);
    return 0;
}
