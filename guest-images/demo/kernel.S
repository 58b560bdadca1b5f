# The ring-0 side of `mimic demo`'s machine guest: boots through PVH, switches to long mode,
# runs the sieve (sieve.S, loaded at 0x10000) as a ring-3 task, and reports its count when the
# sieve's final HLT, privileged in ring 3, raises #GP. The work runs in ring 3 so that KVM runs
# it at hardware speed even where ring 0 is emulated (PVM). Loaded at 0x20000, the PVH entry.
# Regenerate the bytes in Sources/MimicCLI/DemoGuest.swift with `make -C guest-images/demo`.
#
# Physical memory (identity-mapped, 2 MiB pages, user-accessible): 0x1000-0x3FFF page tables,
# 0x4000 the IDT, TSS, GDT and a digit buffer (the kernel writes no byte of its own code page),
# 0x5000-0x6FFF the kernel stack, 0x10000 the sieve, 0x20000 this kernel, 0x80000 the top of
# the task's stack, 0x100000-0x2E847F the sieve's array.
    .set PML4, 0x1000
    .set PDPT, 0x2000
    .set PD, 0x3000
    .set IDT, 0x4000
    .set TSS, 0x4200
    .set GDT, 0x4300
    .set DIGITS_END, 0x4400
    .set KERNEL_STACK_TOP, 0x7000
    .set TASK_ENTRY, 0x10000
    .set TASK_HLT, 0x10042          # the sieve's last instruction
    .set TASK_STACK_TOP, 0x80000
    .set KERNEL_CS, 0x08
    .set KERNEL_DS, 0x10
    .set USER_DS, 0x18 | 3
    .set USER_CS, 0x20 | 3
    .set TSS_SELECTOR, 0x28
    .set COM1, 0x3F8
    .set COM1_LSR, 0x3FD
    .set DEBUG_EXIT, 0xF4
    .set EXPECTED_PRIMES, 148933

    .text
    .code32
    .globl _start
_start:
    cld
    mov     $PML4, %edi             # three zeroed tables, and the page of system tables
    mov     $4 * 4096 / 4, %ecx
    xor     %eax, %eax
    rep stosl
    mov     $gdt_template, %esi
    mov     $GDT, %edi
    mov     $(gdt_template_end - gdt_template) / 4, %ecx
    rep movsl
    movl    $PDPT | 7, PML4         # present, writable, user
    movl    $PD | 7, PDPT
    movl    $0x000000 | 0x87, PD    # 2 MiB pages: + page size
    movl    $0x200000 | 0x87, PD + 8
    mov     %cr4, %eax
    or      $1 << 5, %eax           # PAE
    mov     %eax, %cr4
    mov     $PML4, %eax
    mov     %eax, %cr3
    mov     $0xC0000080, %ecx       # EFER.LME
    rdmsr
    or      $1 << 8, %eax
    wrmsr
    mov     %cr0, %eax
    or      $0x80000001, %eax       # PG | PE
    mov     %eax, %cr0
    lgdt    gdt_pointer
    ljmp    $KERNEL_CS, $long_mode

    .code64
long_mode:
    mov     $KERNEL_DS, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     %eax, %ss
    mov     $KERNEL_STACK_TOP, %esp

    # The TSS descriptor (base below 4G), and RSP0 for entries from ring 3.
    mov     $TSS, %eax
    mov     %rax, %rdx
    and     $0xFFFFFF, %edx
    shl     $16, %rdx
    or      $103, %rdx              # limit
    mov     $0x89, %ecx             # present, 64-bit TSS available
    shl     $40, %rcx
    or      %rcx, %rdx
    shr     $24, %rax
    shl     $56, %rax
    or      %rax, %rdx
    mov     %rdx, GDT + TSS_SELECTOR
    movq    $KERNEL_STACK_TOP, TSS + 4
    movw    $104, TSS + 102         # no I/O permission bitmap
    mov     $TSS_SELECTOR, %eax
    ltr     %ax

    # Interrupt gates for vectors 0-31: #GP to general_protection, the rest to unexpected.
    mov     $IDT, %edi
    xor     %ecx, %ecx
1:  mov     $unexpected, %eax
    cmp     $13, %ecx
    jne     2f
    mov     $general_protection, %eax
2:  mov     %rax, %rdx
    and     $0xFFFF, %edx
    or      $KERNEL_CS << 16, %edx
    mov     $0x8E00, %r8d           # present, DPL 0, 64-bit interrupt gate
    shl     $32, %r8
    or      %r8, %rdx
    shr     $16, %rax
    shl     $48, %rax
    or      %rax, %rdx
    mov     %rdx, (%rdi)
    movq    $0, 8(%rdi)
    add     $16, %rdi
    inc     %ecx
    cmp     $32, %ecx
    jb      1b
    lidt    idt_pointer

    # Into ring 3 at the sieve, interrupts off.
    push    $USER_DS
    push    $TASK_STACK_TOP
    push    $2
    push    $USER_CS
    push    $TASK_ENTRY
    iretq

# #GP: the task's final HLT means the sieve is done, with its count in RAX.
general_protection:
    cmpq    $TASK_HLT, 8(%rsp)
    jne     unexpected
    cmpq    $USER_CS, 16(%rsp)
    jne     unexpected
    mov     %rax, %rbx
    mov     $result_text, %esi
    call    put_string
    mov     %rbx, %rax
    call    put_decimal
    mov     $'\n', %cl
    call    put_char
    xor     %eax, %eax              # the verdict: 0 pass, 1 wrong count
    cmp     $EXPECTED_PRIMES, %rbx
    setne   %al
    jmp     exit

unexpected:
    mov     $unexpected_text, %esi
    call    put_string
    mov     $0x7F, %eax
exit:
    out     %eax, $DEBUG_EXIT
1:  cli
    hlt
    jmp     1b

# Writes the NUL-terminated string at RSI.
put_string:
    movzbl  (%rsi), %ecx
    test    %cl, %cl
    jz      1f
    call    put_char
    inc     %rsi
    jmp     put_string
1:  ret

# Writes RAX in decimal.
put_decimal:
    mov     $DIGITS_END, %esi
    mov     $10, %ecx
1:  xor     %edx, %edx
    div     %rcx
    add     $'0', %dl
    dec     %rsi
    mov     %dl, (%rsi)
    test    %rax, %rax
    jnz     1b
    jmp     put_string

# Writes CL to COM1 once its transmitter holding register is empty.
put_char:
    mov     $COM1_LSR, %dx
1:  in      %dx, %al
    test    $0x20, %al
    jz      1b
    mov     $COM1, %dx
    mov     %cl, %al
    out     %al, %dx
    ret

result_text:
    .asciz  "primes below 2000000, counted in ring 3: "
unexpected_text:
    .asciz  "demo kernel: unexpected exception\n"

    .balign 8
gdt_template:
    .quad   0
    .quad   0x00AF9A000000FFFF      # 0x08 kernel code, 64-bit
    .quad   0x00CF92000000FFFF      # 0x10 kernel data
    .quad   0x00CFF2000000FFFF      # 0x18 user data
    .quad   0x00AFFA000000FFFF      # 0x20 user code, 64-bit
gdt_template_end:                   # 0x28: the TSS, 16 bytes, filled in at run time
gdt_pointer:
    .word   0x38 - 1
    .quad   GDT
idt_pointer:
    .word   32 * 16 - 1
    .quad   IDT
