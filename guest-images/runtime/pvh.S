/* PVH entry: the loader (Mimic, QEMU -kernel, Firecracker...) starts us at pvh_start32 in
 * 32-bit flat protected mode with paging off and EBX = the hvm_start_info address. We build
 * identity page tables for the first 1G (2M pages; the first 2M supervisor-only, the rest
 * user-accessible), enter long mode and call the C kernel. */

#define PTE_P  0x1
#define PTE_W  0x2
#define PTE_U  0x4
#define PTE_PS 0x80

/* XEN_ELFNOTE_PHYS32_ENTRY (18): owner "Xen", a 32-bit entry address. */
    .section .note.Xen, "a", @note
    .p2align 2
    .long 4                 /* namesz */
    .long 4                 /* descsz */
    .long 18                /* type */
    .asciz "Xen"
    .long pvh_start32

    .section .text.boot, "ax"
    .code32
    .globl pvh_start32
pvh_start32:
    cli
    cld
    movl %ebx, boot_start_info

    /* PD: 512 entries of 2M. Entry 0 (the kernel) supervisor-only, the rest user. */
    movl $boot_pd, %edi
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $(PTE_P | PTE_W | PTE_PS), %eax
    testl %ecx, %ecx
    jz 2f
    orl $PTE_U, %eax
2:  movl %eax, (%edi,%ecx,8)
    movl $0, 4(%edi,%ecx,8)
    incl %ecx
    cmpl $512, %ecx
    jne 1b

    movl $(boot_pd + PTE_P + PTE_W + PTE_U), boot_pdpt
    movl $(boot_pdpt + PTE_P + PTE_W + PTE_U), boot_pml4

    /* CR4.PAE, CR3, EFER.LME|NXE|SCE, then CR0.PG|WP|PE: long mode, compatibility submode. */
    movl %cr4, %eax
    orl $(1 << 5), %eax
    movl %eax, %cr4
    movl $boot_pml4, %eax
    movl %eax, %cr3
    movl $0xC0000080, %ecx
    rdmsr
    orl $((1 << 8) | (1 << 11) | (1 << 0)), %eax
    wrmsr
    movl %cr0, %eax
    orl $((1 << 31) | (1 << 16) | 1), %eax
    movl %eax, %cr0

    lgdt boot_gdt_pointer
    ljmp $0x08, $long_mode_entry

    .code64
long_mode_entry:
    movl $0x10, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    xorl %eax, %eax
    movl %eax, %fs
    movl %eax, %gs
    leaq boot_stack_top(%rip), %rsp
    movl boot_start_info(%rip), %edi
    call runtime_main
    /* runtime_main never returns; if it did, say so with a failing verdict. */
    movl $0xFF, %eax
    outl %eax, $0xf4
3:  hlt
    jmp 3b

    .section .rodata
    .p2align 3
boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF    /* 0x08: 64-bit code, DPL 0 */
    .quad 0x00CF92000000FFFF    /* 0x10: data, DPL 0 */
boot_gdt_end:
boot_gdt_pointer:
    .word boot_gdt_end - boot_gdt - 1
    .quad boot_gdt

    .section .bss
    .p2align 12
boot_pml4: .skip 4096
boot_pdpt: .skip 4096
boot_pd:   .skip 4096
    .globl boot_pml4, boot_pdpt, boot_pd
    .p2align 4
boot_stack: .skip 16384
boot_stack_top:
    .p2align 2
    .globl boot_start_info
boot_start_info: .long 0
