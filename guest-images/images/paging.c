/* paging: builds its own 4-level page tables (4K pages for the first 2M, 2M pages above, and
 * a test window at 1G), loads CR3, then remaps and aliases pages and checks the faults the
 * processor raises: not present, read-only (CR0.WP), NX (EFER.NXE), and U/S from ring 3,
 * each with its error code and CR2. INVLPG follows every change to a live mapping. */
#include "kernel.h"
#include "cpu.h"
#include "probe.h"
#include "user.h"

void task_read(uint64_t);
void task_write(uint64_t);
void task_call(uint64_t);

#define WINDOW 0x40000000ull            /* 1G: the test pages, through pt_window */
#define PAGE(i) (WINDOW + (uint64_t)(i) * 4096)

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd_low[512] __attribute__((aligned(4096)));
static uint64_t pt_low[512] __attribute__((aligned(4096)));
static uint64_t pd_window[512] __attribute__((aligned(4096)));
static uint64_t pt_window[512] __attribute__((aligned(4096)));
/* Physical pages the window maps. */
static uint8_t frame_a[4096] __attribute__((aligned(4096)));
static uint8_t frame_b[4096] __attribute__((aligned(4096)));
static uint8_t frame_code[4096] __attribute__((aligned(4096)));

static int failures;

static void map(int page, void *frame, uint64_t flags) {
    pt_window[page] = (uint64_t)frame | flags;
    invlpg(PAGE(page));
}

static void verdict(const char *what, int ok) {
    kprintf("%-44s %s\n", what, ok ? "ok" : "WRONG");
    if (!ok) failures++;
}

static void fault(const char *what, uint64_t error_code, uint64_t cr2) {
    int ok = probe.count == 1 && probe.vector == 14 && probe.error_code == error_code && probe.cr2 == cr2;
    kprintf("%-44s #PF error 0x%lx cr2 0x%lx: %s\n", what, probe.error_code, probe.cr2, ok ? "ok" : "WRONG");
    if (!ok) failures++;
    probe.count = 0;
}

/* A ring-3 fault kills the task; the handler records it like a ring-0 probe. */
static void user_fault(struct trap_frame *f) {
    if ((f->cs & 3) != 3) { probe_handler(f); return; }
    probe.vector = f->vector;
    probe.error_code = f->error_code;
    probe.cr2 = read_cr2();
    probe.count++;
    task_exit(0x100 + f->vector);
}

static void build_tables(void) {
    for (int i = 0; i < 512; i++) {
        pt_low[i] = (uint64_t)i * 4096 | PTE_P | PTE_W;                      /* kernel: supervisor */
        pd_low[i] = (uint64_t)i << 21 | PTE_P | PTE_W | PTE_U | PTE_PS;      /* above 2M: user */
    }
    pt_low[0] = 0;                                                             /* page 0 unmapped */
    pd_low[0] = (uint64_t)pt_low | PTE_P | PTE_W | PTE_U;
    pd_window[0] = (uint64_t)pt_window | PTE_P | PTE_W | PTE_U;
    pdpt[0] = (uint64_t)pd_low | PTE_P | PTE_W | PTE_U;
    pdpt[1] = (uint64_t)pd_window | PTE_P | PTE_W | PTE_U;
    pml4[0] = (uint64_t)pdpt | PTE_P | PTE_W | PTE_U;
    write_cr3((uint64_t)pml4);
}

int kmain(const struct hvm_start_info *info) {
    (void)info;
    set_exception_handler(14, user_fault);
    build_tables();
    verdict("own page tables loaded (CR3)", read_cr3() == (uint64_t)pml4);

    /* Alias: two virtual pages on one frame see each other's writes. */
    map(0, frame_a, PTE_P | PTE_W);
    map(1, frame_a, PTE_P | PTE_W);
    *(volatile uint64_t *)PAGE(0) = 0x1122334455667788ull;
    verdict("alias: write through one page, read through the other",
            *(volatile uint64_t *)(PAGE(1)) == 0x1122334455667788ull && *(uint64_t *)frame_a == 0x1122334455667788ull);

    /* Remap: the same virtual page now shows another frame. */
    *(uint64_t *)frame_b = 0xCAFEF00DD15EA5E5ull;
    map(0, frame_b, PTE_P | PTE_W);
    verdict("remap: page 0 moved to another frame", *(volatile uint64_t *)PAGE(0) == 0xCAFEF00DD15EA5E5ull);

    /* Faults in ring 0. */
    map(0, 0, 0);
    PROBE("movq %2, %%rcx", "movl (%%rcx), %%eax", PAGE(0) + 8);
    fault("read of a not-present page", 0x0, PAGE(0) + 8);
    PROBE("movq %2, %%rcx", "movl %%eax, (%%rcx)", PAGE(0) + 16);
    fault("write to a not-present page", 0x2, PAGE(0) + 16);

    map(2, frame_a, PTE_P);
    PROBE("movq %2, %%rcx", "movl %%eax, (%%rcx)", PAGE(2) + 4);
    fault("write to a read-only page (CR0.WP)", 0x3, PAGE(2) + 4);

    frame_code[0] = 0xB8; frame_code[1] = 42; frame_code[2] = 0; frame_code[3] = 0; frame_code[4] = 0;  /* mov $42, %eax */
    frame_code[5] = 0xC3;                                                                              /* ret */
    map(3, frame_code, PTE_P | PTE_NX);
    PROBE("movq %2, %%rcx", "jmpq *%%rcx", PAGE(3));
    fault("fetch from an NX page", 0x11, PAGE(3));
    map(3, frame_code, PTE_P);
    verdict("the same page runs once NX is cleared", ((int (*)(void))PAGE(3))() == 42);

    /* Faults in ring 3: the window's upper levels allow user access, the PTE decides. */
    frame_a[100] = 77;
    map(4, frame_a, PTE_P | PTE_W);
    uint64_t code = run_user_task(task_read, user_stack_top(), PAGE(4) + 100);
    fault("ring-3 read of a supervisor page", 0x5, PAGE(4) + 100);
    verdict("  ...and the task was killed by #PF", code == 0x100 + 14);

    map(5, frame_a, PTE_P | PTE_U);
    code = run_user_task(task_read, user_stack_top(), PAGE(5) + 100);
    verdict("ring-3 read of a user page returns its byte", code == 77 && probe.count == 0);
    code = run_user_task(task_write, user_stack_top(), PAGE(5) + 8);
    fault("ring-3 write to a read-only user page", 0x7, PAGE(5) + 8);

    map(6, frame_code, PTE_P | PTE_U | PTE_NX);
    code = run_user_task(task_call, user_stack_top(), PAGE(6));
    fault("ring-3 fetch from an NX user page", 0x15, PAGE(6));

    if (failures) {
        kprintf("paging: %d checks FAILED\n", failures);
        return 1;
    }
    kputs("paging: all checks passed\n");
    return 0;
}
