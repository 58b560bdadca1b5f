#include "runtime.h"

int main(int argc, char **argv, char **envp) {
    (void)argc; (void)argv; (void)envp;
    puts1("hello from a static program\n");
    put(2, "and from its stderr\n");
    return 0;
}
