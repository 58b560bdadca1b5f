/* Prints what the kernel put on the initial stack: argc, argv, chosen environment variables,
 * and the auxiliary vector entries whose values do not depend on the address layout. */
#include "runtime.h"

int main(int argc, char **argv, char **envp) {
    line("argc", argc);
    for (int i = 0; i < argc; i++) { puts1("argv: "); puts1(argv[i]); puts1("\n"); }
    char **e = envp;
    for (; *e; e++) {
        if (strncmp(*e, "MIMIC_TEST", 10) == 0) { puts1("env: "); puts1(*e); puts1("\n"); }
    }
    unsigned long *aux = (unsigned long *)(e + 1);
    int sawRandom = 0, sawPlatform = 0, sawExecfn = 0;
    for (; aux[0]; aux += 2) {
        switch (aux[0]) {
        case 6: line("AT_PAGESZ", aux[1]); break;
        case 17: line("AT_CLKTCK", aux[1]); break;
        case 23: line("AT_SECURE", aux[1]); break;
        case 4: line("AT_PHENT", aux[1]); break;
        case 25: sawRandom = aux[1] != 0; break;
        case 15: sawPlatform = 1; puts1("AT_PLATFORM "); puts1((char *)aux[1]); puts1("\n"); break;
        case 31: sawExecfn = 1; puts1("AT_EXECFN matches argv[0]: "); puts1(strcmp((char *)aux[1], argv[0]) == 0 ? "yes\n" : "no\n"); break;
        }
    }
    line("AT_RANDOM", sawRandom);
    line("AT_PLATFORM seen", sawPlatform);
    line("AT_EXECFN seen", sawExecfn);
    unsigned long sp;
    __asm__("mov %%rsp, %0" : "=r"(sp));
    return argc + 2;
}
