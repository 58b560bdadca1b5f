/* smc: self-modifying code in ring 0. Routines in smc_code.S patch instructions with plain
 * stores and run them: the next instruction in the same block, a function translated before,
 * and a loop's own body from inside the loop. Each must run the new bytes, as the CPU does. */
#include "kernel.h"

unsigned smc_same_block(void);
unsigned smc_other_block(void);
unsigned smc_loop(void);
unsigned smc_data_beside_code(void);

static int check(const char *what, unsigned got, unsigned expected) {
    kprintf("%-44s %u: %s\n", what, got, got == expected ? "ok" : "WRONG");
    return got == expected;
}

int kmain(const struct hvm_start_info *info) {
    (void)info;
    int ok = check("patch the next instruction (same block)", smc_same_block(), 2);
    ok &= check("patch a function, call it again", smc_other_block(), 30);
    ok &= check("patch a loop's body from inside the loop", smc_loop(), 303);
    ok &= check("store data beside code", smc_data_beside_code(), 0x5A5A);
    kputs(ok ? "smc: all checks passed\n" : "smc: FAILED\n");
    return !ok;
}
