/* A small stack-machine interpreter: a dispatch loop over a bytecode program that mixes
 * arithmetic on two registers for n iterations (default 200,000). */
#include "workload.h"

const char workload_name[] = "bytecode";
const uint64_t workload_expected = 0x00000aa4adad7459ull;

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, XOR, SHR, AND, DUP, JNZ, HALT };

struct insn { uint8_t op; uint64_t arg; };

/* r0 = n; r1 = 1
 * loop: r1 = ((r1 ^ r0 * r0) + (r1 >> 3)) & 0xFFFFFFFFFFFF; r0 = r0 - 1; if r0 goto loop */
static const struct insn program[] = {
    { LOAD, 1 }, { LOAD, 0 }, { DUP, 0 }, { MUL, 0 }, { XOR, 0 },
    { LOAD, 1 }, { PUSH, 3 }, { SHR, 0 }, { ADD, 0 },
    { PUSH, 0xFFFFFFFFFFFFull }, { AND, 0 }, { STORE, 1 },
    { LOAD, 0 }, { PUSH, 1 }, { SUB, 0 }, { DUP, 0 }, { STORE, 0 },
    { JNZ, 0 }, { HALT, 0 },
};

uint64_t workload_run(uint64_t n) {
    if (n == 0) n = 200000;
    uint64_t reg[2] = { n, 1 }, stack[16];
    int sp = 0;
    for (uint64_t pc = 0;;) {
        const struct insn *i = &program[pc++];
        switch (i->op) {
        case PUSH: stack[sp++] = i->arg; break;
        case LOAD: stack[sp++] = reg[i->arg]; break;
        case STORE: reg[i->arg] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case SHR: sp--; stack[sp - 1] >>= stack[sp]; break;
        case AND: sp--; stack[sp - 1] &= stack[sp]; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case JNZ: if (stack[--sp]) pc = i->arg; break;
        default: return reg[1];
        }
    }
}
