// The system half of the guest CPU state: what only a whole-machine guest (system mode) has.
// Control registers, the MSRs the guest images use, descriptor-table registers, segment
// registers with their hidden parts, the privilege level, and the software TLB that generated
// code probes inline (see Backend/JIT/Lower+Memory.swift). User mode leaves all of it zero.
#ifndef MIMIC_SYSTEM_STATE_H
#define MIMIC_SYSTEM_STATE_H

#include <stdint.h>

// Segment registers: ES..GS in the order instructions encode them, then LDTR and TR.
enum {
    MIMIC_SEG_ES = 0, MIMIC_SEG_CS, MIMIC_SEG_SS, MIMIC_SEG_DS, MIMIC_SEG_FS, MIMIC_SEG_GS,
    MIMIC_SEG_LDTR, MIMIC_SEG_TR, MIMIC_SEG_COUNT,
};

// Segment attributes, laid out as a descriptor's bytes 5 and 6 are (SDM vol. 3, 3.4.5): the
// access byte in bits 0-7 (type, S, DPL, P), the flags nibble in bits 8-11 (AVL, L, D/B, G).
enum {
    MIMIC_SEG_TYPE = 0xF, MIMIC_SEG_S = 1 << 4, MIMIC_SEG_DPL_SHIFT = 5, MIMIC_SEG_P = 1 << 7,
    MIMIC_SEG_AVL = 1 << 8, MIMIC_SEG_L = 1 << 9, MIMIC_SEG_DB = 1 << 10, MIMIC_SEG_G = 1 << 11,
    MIMIC_SEG_UNUSABLE = 1 << 12,   // a null selector in a data segment register
};

typedef struct MimicSegment {
    uint64_t base;
    uint32_t limit;                 // in bytes (the descriptor's limit scaled by G)
    uint16_t selector;
    uint16_t attributes;            // MIMIC_SEG_*
} MimicSegment;

// One software-TLB entry for a 4 KiB virtual page. A tag is the page's address when the access
// is allowed without the slow path, MIMIC_TLB_INVALID (all ones) otherwise; generated code
// compares the page of the access's last byte with it, so an access that crosses into the
// next page never matches.
typedef struct MimicTLBEntry {
    uint64_t read_tag;
    uint64_t write_tag;             // valid only once the page is writable and dirty
    uint64_t addend;                // host address of the page minus its guest virtual address
    uint64_t physical;              // the guest physical page
} MimicTLBEntry;

enum {
    MIMIC_TLB_BITS = 8,
    MIMIC_TLB_ENTRIES = 1 << MIMIC_TLB_BITS,
    // Two TLBs: index 0 for supervisor accesses (CPL 0-2), 1 for user accesses (CPL 3).
    MIMIC_TLB_USER = MIMIC_TLB_ENTRIES,
};

// What a translation depends on besides its guest pc (`tb_flags`): blocks are looked up by
// pc and these bits, and the execution loop clears its jump cache when they change.
enum {
    MIMIC_TB_CPL = 3,               // current privilege level
    MIMIC_TB_CODE64 = 1 << 2,       // CS.L with EFER.LMA: 64-bit code
    MIMIC_TB_CODE32 = 1 << 3,       // CS.D: 32-bit default operand and address size
    MIMIC_TB_SYSTEM = 1 << 4,       // always set in system mode
};

// Asks the execution loop to re-read `tb_flags` and do what `flush` says before going on.
enum { MIMIC_REQ_SYSTEM = 16 };
// Not a guest vector: the run must stop (`stop_request` was set); the loop sees it as an
// exception at the instruction that noticed.
enum { MIMIC_EXC_STOP = 0x100 };
// Not a guest vector either: a store would change bytes translated code came from (self-
// modifying code). Raised before the store, at the storing instruction; `fault_address` is the
// guest physical address. The loop drops the translations, runs the instruction and goes on.
enum { MIMIC_EXC_CODE_WRITE = 0x101 };
// Translated code is tracked in chunks of 64 bytes: a page's mask in `code_chunks` has bit i
// set while bytes 64*i to 64*i+63 of the page are part of a translated block.
enum { MIMIC_CODE_CHUNK_SHIFT = 6 };
enum {
    MIMIC_FLUSH_CODE = 1,           // drop every translation (the code mappings changed)
};

// The machine's buses, as the accelerator provides them: port I/O (space 0) and physical
// addresses outside RAM (space 1). `write` returns nonzero when the machine must stop.
enum { MIMIC_BUS_PORT = 0, MIMIC_BUS_MEMORY = 1 };
typedef struct MimicBus {
    void *context;
    uint64_t (*read)(void *context, uint32_t space, uint64_t address, uint32_t size);
    uint32_t (*write)(void *context, uint32_t space, uint64_t address, uint32_t size, uint64_t value);
} MimicBus;

typedef struct MimicSystemState {
    uint64_t cr0, cr2, cr3, cr4, cr8;
    uint64_t efer, star, lstar, cstar, fmask, kernel_gs_base, tsc_aux, apic_base, pat;
    // FS and GS bases live in MimicCPUState.fs_base/gs_base (the IR's globals), not here.
    MimicSegment seg[MIMIC_SEG_COUNT];
    uint64_t gdt_base, idt_base;
    uint32_t gdt_limit, idt_limit;
    uint32_t cpl;
    uint32_t tb_flags;              // MIMIC_TB_*
    uint32_t flush;                 // MIMIC_FLUSH_* for the loop, with MIMIC_REQ_SYSTEM
    uint32_t software_interrupt;    // the raised exception is INT n/INT3/INTO (gate DPL checked)
    // Set from another thread to stop a guest that runs without leaving generated code (Ctrl-C):
    // with the TLB flushed too, its next memory access takes the slow path, which sees this.
    uint32_t stop_request;
    // Guest physical RAM: host address = ram_base + guest physical address, below ram_size.
    uint64_t ram_base, ram_size;
    MimicBus bus;
    // One mask per 4 KiB page of RAM (see MIMIC_CODE_CHUNK_SHIFT). A page with any bit set
    // never gets a TLB write tag, so every store to it comes to the slow path, which checks it.
    uint64_t *code_chunks;
    MimicTLBEntry tlb[2 * MIMIC_TLB_ENTRIES];
} MimicSystemState;

#endif
