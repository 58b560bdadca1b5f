/* exceptions: installs the IDT (the runtime does) and a handler for each vector under test,
 * raises #DE, #UD, #GP (with and without a selector error code) and #PF (read, write and
 * instruction fetch of unmapped memory) in ring 0 and #BP in ring 3 (where debuggers use it,
 * and where PVM can run it: it cannot emulate INT3 at CPL 0), and checks vector, error code,
 * faulting RIP, CS and CR2.
 * Each trigger is inline assembly with labels around the instruction under test: the handler
 * checks the reported RIP against it (faults) or the one after it (traps) and resumes after. */
#include "kernel.h"
#include "cpu.h"
#include "probe.h"
#include "user.h"

extern uint64_t user_breakpoint_after;
void user_breakpoint_task(uint64_t argument);

/* Unmapped: the boot page tables map only the first 1G. */
#define UNMAPPED 0x40000000ull

static int failures;

static void check_in(const char *what, uint64_t cs, uint64_t vector, uint64_t error_code, uint64_t rip, uint64_t cr2) {
    int ok = probe.count == 1 && probe.vector == vector && probe.error_code == error_code && probe.rip == rip
          && probe.cr2 == cr2 && probe.cs == cs;
    kprintf("%-28s %s vector %lu error 0x%lx cr2 0x%lx: %s\n", what, exception_names[vector & 31], probe.vector,
            probe.error_code, probe.cr2, ok ? "ok" : "WRONG");
    if (!ok) {
        kprintf("  expected vector %lu error 0x%lx rip 0x%lx cr2 0x%lx; got %d exceptions, rip 0x%lx cs 0x%lx\n",
                vector, error_code, rip, cr2, probe.count, probe.rip, probe.cs);
        failures++;
    }
    probe.count = 0;
}

static void check(const char *what, uint64_t vector, uint64_t error_code, uint64_t rip, uint64_t cr2) {
    check_in(what, SEL_KCODE, vector, error_code, rip, cr2);
}

int kmain(const struct hvm_start_info *info) {
    (void)info;
    for (int v = 0; v < 32; v++) set_exception_handler(v, probe_handler);

    PROBE("xorl %%ecx, %%ecx\n\tmovl $1, %%eax\n\txorl %%edx, %%edx", "divl %%ecx", 0);
    check("divide by zero", 0, 0, probe.start, 0);

    uint64_t code = run_user_task(user_breakpoint_task, user_stack_top(), 0);
    check_in("int3 in ring 3 (a trap)", SEL_UCODE, 3, 0, user_breakpoint_after, 0);
    if (code != 0) { kprintf("breakpoint task exited with %lu\n", code); failures++; }

    PROBE("", "ud2", 0);
    check("ud2", 6, 0, probe.start, 0);

    PROBE("movq %2, %%rcx", "movq (%%rcx), %%rax", 0x8000000000000000ull);
    check("non-canonical load", 13, 0, probe.start, 0);

    /* Selector 0x48 lies past the GDT limit: #GP with the selector as error code. */
    PROBE("movl $0x48, %%ecx", "movl %%ecx, %%es", 0);
    check("load selector past GDT", 13, 0x48, probe.start, 0);

    PROBE("movq %2, %%rcx", "movl (%%rcx), %%eax", UNMAPPED + 0x123);
    check("read of unmapped page", 14, 0x0, probe.start, UNMAPPED + 0x123);

    PROBE("movq %2, %%rcx", "movl %%eax, (%%rcx)", UNMAPPED + 0x2000);
    check("write of unmapped page", 14, 0x2, probe.start, UNMAPPED + 0x2000);

    /* Fetch: the fault reports the jump target as both RIP and CR2, with the I/D bit
     * (reported because EFER.NXE is on). */
    PROBE("movq %2, %%rcx", "jmpq *%%rcx", UNMAPPED + 0x40);
    check("fetch from unmapped page", 14, 0x10, UNMAPPED + 0x40, UNMAPPED + 0x40);

    if (failures) {
        kprintf("exceptions: %d checks FAILED\n", failures);
        return 1;
    }
    kputs("exceptions: all checks passed\n");
    return 0;
}
