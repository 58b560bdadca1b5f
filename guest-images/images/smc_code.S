/* The self-modifying routines of the smc image (see smc.c). Each patches an instruction's
 * immediate with a plain store and then runs it; the processor runs the new bytes (SDM vol. 3,
 * 11.6: a store to code that is being executed invalidates what was fetched of it). */
    .text

/* Patches the next instruction, in the same basic block: returns 2, not 1. */
    .globl smc_same_block
smc_same_block:
    movb    $2, 1f + 1(%rip)
1:  mov     $1, %eax
    ret

/* Calls a function (so it is translated), patches it and calls it again: returns 10 + 20. */
    .globl smc_other_block
smc_other_block:
    call    smc_target
    mov     %eax, %edx
    movb    $20, smc_target + 1(%rip)
    call    smc_target
    add     %edx, %eax
    ret
smc_target:
    mov     $10, %eax
    ret

/* A loop whose third iteration rewrites the loop's own `add $1` into `add $100`: six
 * iterations give 3 * 1 + 3 * 100 = 303. */
    .globl smc_loop
smc_loop:
    xor     %eax, %eax
    xor     %ecx, %ecx
1:  add     $1, %eax
    inc     %ecx
    cmp     $3, %ecx
    jne     2f
    movb    $100, 1b + 2(%rip)
2:  cmp     $6, %ecx
    jne     1b
    ret

/* Writes data next to code: a store into the same page, outside any translated bytes, changes
 * nothing that runs. Returns the value read back. */
    .globl smc_data_beside_code
smc_data_beside_code:
    movl    $0x5A5A, smc_scratch(%rip)
    mov     smc_scratch(%rip), %eax
    ret
    .balign 64
smc_scratch:
    .long   0
