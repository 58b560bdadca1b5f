// Self-modifying code: code written into an RWX page, run, rewritten and run again must
// change behaviour each time; also code made executable with mprotect (the JIT pattern), an
// instruction rewritten by the block that is running, and data stores next to live code.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef int (*function)(void);
typedef int (*function_arg)(int);

// mov eax, imm32; ret
static void emit_constant(uint8_t *at, int32_t value) {
    at[0] = 0xB8;
    memcpy(at + 1, &value, 4);
    at[5] = 0xC3;
}

int main(void) {
    long page = sysconf(_SC_PAGESIZE);
    uint8_t *code = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) { puts("no RWX mapping"); return 1; }

    emit_constant(code, 1);
    printf("first %d\n", ((function)code)());
    emit_constant(code, 2);
    printf("rewritten %d\n", ((function)code)());

    // Many rewrites of the immediate alone, each followed by a call.
    long sum = 0;
    for (int32_t i = 0; i < 2000; i++) {
        memcpy(code + 1, &i, 4);
        sum += ((function)code)();
    }
    printf("sum of 2000 rewrites %ld\n", sum);

    // Two functions on the same page; rewriting one leaves the other intact.
    emit_constant(code + 64, 100);
    emit_constant(code, 3);
    printf("neighbours %d %d\n", ((function)code)(), ((function)(code + 64))());
    emit_constant(code + 64, 200);
    printf("neighbours after rewrite %d %d\n", ((function)code)(), ((function)(code + 64))());

    // A data store on the same page as code that keeps running.
    volatile uint64_t *data = (uint64_t *)(code + 2048);
    for (int i = 0; i < 100; i++) { data[i % 8] = (uint64_t)i; sum += ((function)code)(); }
    printf("code and data on one page %ld\n", sum);

    // Code that patches its own later instruction in the same straight-line sequence:
    //   lea rax, [rip + imm]; mov dword ptr [rax], 0x2A; mov eax, 0 (patched to 0x2A); ret
    static const uint8_t patcher[] = {
        0x48, 0x8D, 0x05, 0x07, 0x00, 0x00, 0x00,   // lea rax, [rip + 7] -> the imm32 below
        0xC7, 0x00, 0x2A, 0x00, 0x00, 0x00,         // mov dword ptr [rax], 42
        0xB8, 0x00, 0x00, 0x00, 0x00,               // mov eax, 0
        0xC3,
    };
    // lea is 7 bytes, so rip+7 points 7 bytes past its end: at the mov eax's immediate (+14).
    memcpy(code + 256, patcher, sizeof patcher);
    printf("patches its own next instruction: %d\n", ((function)(code + 256))());
    printf("and keeps the patch: %d\n", ((function)(code + 256))());

    // A loop whose body is rewritten between calls: add eax, edi (01 F8) vs sub eax, edi (29 F8).
    //   xor eax, eax; mov ecx, 10; loop: add/sub eax, edi; dec ecx; jnz loop; ret
    static const uint8_t loop[] = { 0x31, 0xC0, 0xB9, 0x0A, 0x00, 0x00, 0x00, 0x01, 0xF8, 0xFF, 0xC9, 0x75, 0xFA, 0xC3 };
    memcpy(code + 512, loop, sizeof loop);
    int added = ((function_arg)(code + 512))(3);
    code[512 + 7] = 0x29;
    int subtracted = ((function_arg)(code + 512))(3);
    printf("loop body add %d then sub %d\n", added, subtracted);

    // The JIT pattern: write while RW, run while RX, and a write while RX faults (not tested
    // here: it kills the process), then back to RW for the next version.
    uint8_t *jit = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int results[5];
    for (int version = 0; version < 5; version++) {
        mprotect(jit, page, PROT_READ | PROT_WRITE);
        emit_constant(jit + version * 8, 1000 + version);
        if (version > 0) jit[0] = 0xE9, memcpy(jit + 1, &(int32_t){ version * 8 - 5 }, 4);   // jmp to the newest
        mprotect(jit, page, PROT_READ | PROT_EXEC);
        results[version] = ((function)jit)();
    }
    printf("mprotect versions %d %d %d %d %d\n", results[0], results[1], results[2], results[3], results[4]);

    // Code copied across a page boundary, then one byte on the second page changed.
    static const uint8_t straddle[] = { 0x90, 0x90, 0x90, 0x90, 0xB8, 0x05, 0x00, 0x00, 0x00, 0xC3 };
    uint8_t *edge = code + page - 6;
    memcpy(edge, straddle, sizeof straddle);
    int before = ((function)edge)();
    code[page + 1] = 0x07;   // the immediate's third byte, on the next page
    printf("across pages %d then %d\n", before, ((function)edge)());
    return 0;
}
