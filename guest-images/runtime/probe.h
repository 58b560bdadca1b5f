/* Fault probes for ring-0 tests: PROBE runs one instruction that is expected to fault, and the
 * handler records what the processor reported and resumes after it. Include in one image file. */
#ifndef PROBE_H
#define PROBE_H

#include "kernel.h"
#include "cpu.h"

static struct {
    uint64_t vector, error_code, rip, cr2, cs;
    uint64_t start;     /* address of the instruction under test */
    uint64_t resume;    /* address after it */
    int count;
} probe;

/* Records the exception; faults resume after the probed instruction, traps (#BP) continue. */
static void probe_handler(struct trap_frame *f) {
    probe.vector = f->vector;
    probe.error_code = f->error_code;
    probe.rip = f->rip;
    probe.cs = f->cs;
    probe.cr2 = f->vector == 14 ? read_cr2() : 0;
    probe.count++;
    if (f->vector != 3) f->rip = probe.resume;
}

/* Runs `setup`, then the instruction under test `insn`. `%2` in either is the 64-bit argument. */
#define PROBE(setup, insn, argument)                                              \
    do {                                                                          \
        uint64_t arg_ = (argument);                                               \
        probe.count = 0;                                                          \
        __asm__ volatile("leaq 2f(%%rip), %%rax\n\tmovq %%rax, %0\n\t"            \
                         "leaq 1f(%%rip), %%rax\n\tmovq %%rax, %1\n\t"            \
                         setup "\n1:\t" insn "\n2:\n"                             \
                         : "=m"(probe.resume), "=m"(probe.start) : "m"(arg_)      \
                         : "rax", "rcx", "rdx", "memory");                        \
    } while (0)

#endif
