/* Processor access for ring-0 code: port I/O, control registers, MSRs, descriptor tables. */
#ifndef CPU_H
#define CPU_H

#include <stdint.h>

#define MSR_EFER   0xC0000080u
#define MSR_STAR   0xC0000081u
#define MSR_LSTAR  0xC0000082u
#define MSR_FMASK  0xC0000084u

#define EFER_SCE   (1u << 0)
#define EFER_NXE   (1u << 11)

#define CR0_WP     (1ul << 16)

/* Page table entry bits (SDM vol. 3, 4.5). */
#define PTE_P      (1ull << 0)
#define PTE_W      (1ull << 1)
#define PTE_U      (1ull << 2)
#define PTE_PS     (1ull << 7)
#define PTE_NX     (1ull << 63)

/* Selectors of the kernel GDT (runtime/kernel.c). SYSRET's layout requires user code64 to
 * sit 16 bytes above the STAR base and user data 8 bytes above it. */
#define SEL_KCODE  0x08
#define SEL_KDATA  0x10
#define SEL_UBASE  0x18
#define SEL_UDATA  (0x20 | 3)
#define SEL_UCODE  (0x28 | 3)
#define SEL_TSS    0x30

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }

static inline uint64_t read_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr2(void) { uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" :: "r"(v) : "memory"); }
static inline void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" :: "r"(v) : "memory"); }
static inline void invlpg(uint64_t va) { __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory"); }

static inline uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v) {
    __asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

struct __attribute__((packed)) table_register { uint16_t limit; uint64_t base; };

static inline void lgdt(const void *base, uint16_t limit) {
    struct table_register r = { limit, (uint64_t)base };
    __asm__ volatile("lgdt %0" :: "m"(r));
}
static inline void lidt(const void *base, uint16_t limit) {
    struct table_register r = { limit, (uint64_t)base };
    __asm__ volatile("lidt %0" :: "m"(r));
}
static inline void ltr(uint16_t sel) { __asm__ volatile("ltr %0" :: "r"(sel)); }

#endif
