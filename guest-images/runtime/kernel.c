/* Descriptor tables (GDT with user segments and a TSS, IDT), exception and system call
 * dispatch, and the C entry point from pvh.S. */
#include "kernel.h"
#include "cpu.h"

/* GDT: selectors as cpu.h names them. 0x18 is the 32-bit user code slot SYSRET's layout
 * reserves; 0x30 is the 16-byte TSS descriptor. */
static uint64_t gdt[8] = {
    0,
    0x00AF9A000000FFFFull,   /* 0x08 kernel code, 64-bit */
    0x00CF92000000FFFFull,   /* 0x10 kernel data */
    0x00CFFA000000FFFFull,   /* 0x18 user code, 32-bit (unused) */
    0x00CFF2000000FFFFull,   /* 0x20 user data */
    0x00AFFA000000FFFFull,   /* 0x28 user code, 64-bit */
    0, 0,                    /* 0x30 TSS, filled at run time */
};

/* The 64-bit TSS (SDM vol. 3, figure 8-11): RSP0 for entries from ring 3, IST1 for #DF. */
static struct __attribute__((packed)) {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} tss;

struct __attribute__((packed)) idt_gate {
    uint16_t offset_low, selector;
    uint8_t ist, type_attributes;
    uint16_t offset_mid;
    uint32_t offset_high, reserved;
};
static struct idt_gate idt[32];

static uint8_t trap_stack[16384] __attribute__((aligned(16)));
static uint8_t double_fault_stack[4096] __attribute__((aligned(16)));

extern const uint64_t exception_stubs[32];
extern void syscall_entry(void);

static exception_handler handlers[32];

int64_t syscall_dispatch(uint64_t number, uint64_t a1, uint64_t a2, uint64_t a3);

const char *const exception_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
    "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

static void set_gate(int vector, uint64_t handler, int dpl, int ist) {
    idt[vector] = (struct idt_gate){
        .offset_low = (uint16_t)handler, .selector = SEL_KCODE, .ist = (uint8_t)ist,
        .type_attributes = (uint8_t)(0x8E | dpl << 5),   /* present 64-bit interrupt gate */
        .offset_mid = (uint16_t)(handler >> 16), .offset_high = (uint32_t)(handler >> 32),
    };
}

static void descriptor_tables_init(void) {
    uint64_t base = (uint64_t)&tss, limit = sizeof tss - 1;
    tss.rsp[0] = (uint64_t)(trap_stack + sizeof trap_stack);
    tss.ist[0] = (uint64_t)(double_fault_stack + sizeof double_fault_stack);
    tss.iomap_base = sizeof tss;    /* no I/O bitmap: ring 3 has no port access */
    gdt[6] = (limit & 0xFFFF) | (base & 0xFFFFFF) << 16 | 0x89ull << 40 | ((limit >> 16) & 0xF) << 48
           | ((base >> 24) & 0xFF) << 56;
    gdt[7] = base >> 32;
    lgdt(gdt, sizeof gdt - 1);
    __asm__ volatile(
        "pushq %0; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:\n"
        "movl %1, %%eax; movl %%eax, %%ds; movl %%eax, %%es; movl %%eax, %%ss"
        :: "i"(SEL_KCODE), "i"(SEL_KDATA) : "rax", "memory");
    ltr(SEL_TSS);

    for (int v = 0; v < 32; v++)
        set_gate(v, exception_stubs[v], v == 3 || v == 4 ? 3 : 0, v == 8 ? 1 : 0);
    lidt(idt, sizeof idt - 1);
}

/* SYSCALL enters at syscall_entry with CS 0x08/SS 0x10; SYSRET returns to 0x2B/0x23.
 * FMASK clears IF, DF, TF, AC and NT on entry. */
static void syscall_init(void) {
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    wrmsr(MSR_STAR, (uint64_t)SEL_UBASE << 48 | (uint64_t)SEL_KCODE << 32);
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_FMASK, 0x47700);
}

void set_exception_handler(int vector, exception_handler handler) {
    handlers[vector] = handler;
}

/* PVM (the KVM of some hosts) does not switch a guest that is not PVM-aware to ring 0 on
 * SYSCALL: the guest continues at LSTAR still at CPL 3 and takes a user-mode instruction-fetch
 * #PF there, on the supervisor-only kernel page. Recognise exactly that and serve the system
 * call from the fault frame with SYSCALL/SYSRET's register conventions. On other processors
 * this never happens. */
static int is_stranded_syscall(const struct trap_frame *f) {
    return f->vector == 14 && (f->cs & 3) == 3 && f->rip == (uint64_t)syscall_entry && (f->error_code & 0x14) == 0x14;
}

void exception_dispatch(struct trap_frame *f) {
    if (is_stranded_syscall(f)) {
        f->rax = (uint64_t)syscall_dispatch(f->rax, f->rdi, f->rsi, f->rdx);
        f->rip = f->rcx;
        f->rflags = (f->r11 & 0x3C7FD7) | 0x2;
        return;
    }
    if (f->vector < 32 && handlers[f->vector]) { handlers[f->vector](f); return; }
    uint64_t cr2 = f->vector == 14 ? read_cr2() : 0;
    kprintf("unexpected %s (vector %lu) at rip 0x%lx cs 0x%lx error 0x%lx cr2 0x%lx\n",
            exception_names[f->vector & 31], f->vector, f->rip, f->cs, f->error_code, cr2);
    debug_exit(0x7F);
}

/* A ring-3 buffer the kernel may read: inside the user region of the identity map. */
static int user_range_ok(uint64_t address, uint64_t length) {
    uint64_t lo = (uint64_t)__user_start, hi = 1ull << 30;
    return address >= lo && address <= hi && length <= hi - address;
}

int64_t syscall_dispatch(uint64_t number, uint64_t a1, uint64_t a2, uint64_t a3) {
    switch (number) {
    case SYS_write: {
        if (a1 != 1 && a1 != 2) return -9;            /* EBADF */
        if (!user_range_ok(a2, a3)) return -14;       /* EFAULT */
        const char *p = (const char *)a2;
        for (uint64_t i = 0; i < a3; i++) serial_putc(p[i]);
        return (int64_t)a3;
    }
    case SYS_exit:
    case SYS_exit_group:
        task_exit(a1);
    default:
        return -38;                                   /* ENOSYS */
    }
}

/* Firmware-less PCs (QEMU) leave the 8259 PICs at their reset vector base 8, where IRQ 0 would
 * arrive as a fake #DF once ring-3 tasks run with IF set. The runtime uses no interrupts: mask
 * every line, as an OS that drives the local APIC instead does. */
static void legacy_pic_mask(void) {
    outb(0x21, 0xFF);
    outb(0xA1, 0xFF);
}

__attribute__((noreturn)) void runtime_main(uint32_t start_info) {
    serial_init();
    legacy_pic_mask();
    descriptor_tables_init();
    syscall_init();
    const struct hvm_start_info *info = (const struct hvm_start_info *)(uint64_t)start_info;
    if (info->magic != HVM_START_MAGIC) {
        kprintf("bad start info magic 0x%x\n", info->magic);
        debug_exit(0x7E);
    }
    debug_exit((uint32_t)kmain(info));
}
