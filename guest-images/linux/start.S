/* Process entry of the Linux builds: the kernel leaves argc at (%rsp) and argv after it, with
 * the stack 16-byte aligned; linux_main never returns (the task ends with exit(2)). */
    .text
    .globl _start
_start:
    xor %ebp, %ebp
    mov (%rsp), %rdi
    lea 8(%rsp), %rsi
    and $-16, %rsp
    call linux_main
    hlt
