/* Ring transitions: exception entry stubs, the SYSCALL entry, and entering and leaving
 * ring-3 tasks. The C side is in kernel.c. */

/* Exception stubs for vectors 0-31. The processor pushes an error code for 8, 10-14, 17,
 * 21, 29 and 30; for the others the stub pushes 0 so every frame has the same layout. */
.macro STUB vector, has_error
    .globl exception_stub_\vector
exception_stub_\vector:
    .if \has_error == 0
    pushq $0
    .endif
    pushq $\vector
    jmp exception_common
.endm

    .text
STUB 0,0
STUB 1,0
STUB 2,0
STUB 3,0
STUB 4,0
STUB 5,0
STUB 6,0
STUB 7,0
STUB 8,1
STUB 9,0
STUB 10,1
STUB 11,1
STUB 12,1
STUB 13,1
STUB 14,1
STUB 15,0
STUB 16,0
STUB 17,1
STUB 18,0
STUB 19,0
STUB 20,0
STUB 21,1
STUB 22,0
STUB 23,0
STUB 24,0
STUB 25,0
STUB 26,0
STUB 27,0
STUB 28,0
STUB 29,1
STUB 30,1
STUB 31,0

    .section .rodata
    .p2align 3
    .globl exception_stubs
exception_stubs:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad exception_stub_\v
    .endr

    .text
/* Saves the general registers in struct trap_frame order (kernel.h), calls
 * exception_dispatch(frame), restores (the handler may have changed them) and returns. */
exception_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, %rdi
    /* Align the stack for the C call; the frame pointer is kept in a callee-saved register. */
    movq %rsp, %rbx
    andq $-16, %rsp
    call exception_dispatch
    movq %rbx, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp          /* vector and error code */
    iretq

/* SYSCALL from ring 3: RCX = user RIP, R11 = user RFLAGS, RSP still the user's. Linux's
 * convention: RAX = number, RDI, RSI, RDX = arguments, result in RAX; RCX and R11 clobbered. */
    .globl syscall_entry
syscall_entry:
    movq %rsp, syscall_user_rsp(%rip)
    leaq syscall_stack_top(%rip), %rsp
    pushq %rcx
    pushq %r11
    pushq %rdi
    pushq %rsi
    pushq %rdx
    pushq %r8
    pushq %r9
    pushq %r10
    movq %rdx, %rcx
    movq %rsi, %rdx
    movq %rdi, %rsi
    movq %rax, %rdi
    call syscall_dispatch
    popq %r10
    popq %r9
    popq %r8
    popq %rdx
    popq %rsi
    popq %rdi
    popq %r11
    popq %rcx
    movq syscall_user_rsp(%rip), %rsp
    sysretq

/* uint64_t run_user_task(void (*entry)(uint64_t), uint64_t user_stack_top, uint64_t argument)
 * Enters ring 3 at entry(argument) with IRETQ; returns the task's exit code when the task
 * calls exit or the kernel kills it (task_exit). */
    .globl run_user_task
run_user_task:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, task_kernel_rsp(%rip)
    pushq $0x23             /* SS: user data, RPL 3 */
    pushq %rsi              /* RSP */
    pushq $0x202            /* RFLAGS: IF, reserved bit 1 */
    pushq $0x2B             /* CS: user code64, RPL 3 */
    pushq %rdi              /* RIP */
    movq %rdx, %rdi
    xorl %eax, %eax
    xorl %ebx, %ebx
    xorl %ecx, %ecx
    xorl %edx, %edx
    xorl %esi, %esi
    xorl %ebp, %ebp
    xorl %r8d, %r8d
    xorl %r9d, %r9d
    xorl %r10d, %r10d
    xorl %r11d, %r11d
    xorl %r12d, %r12d
    xorl %r13d, %r13d
    xorl %r14d, %r14d
    xorl %r15d, %r15d
    iretq

/* void task_exit(uint64_t code): from any kernel context entered from the task (a system
 * call, an exception), abandon that context and return `code` from run_user_task. */
    .globl task_exit
task_exit:
    movq task_kernel_rsp(%rip), %rsp
    movq %rdi, %rax
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret

    .bss
    .p2align 4
    .skip 16384
syscall_stack_top:

    .data
    .p2align 3
syscall_user_rsp: .quad 0
task_kernel_rsp: .quad 0
