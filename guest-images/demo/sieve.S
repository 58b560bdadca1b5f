# The built-in demo guest of `mimic demo`: counts the primes below 2,000,000 with a sieve of
# Eratosthenes over a byte array at guest address 0x100000, leaves the count in RAX and halts.
# It is position-independent 64-bit code; `mimic demo` loads it at 0x10000 with RSP = 0x80000.
# Regenerate the bytes in Sources/MimicCLI/DemoGuest.swift with `make -C guest-images/demo`.
    .intel_syntax noprefix
    .text
    .globl _start
_start:
    mov     edi, 0x100000           # the sieve: one byte per number
    mov     esi, 2000000            # N
    mov     rcx, rsi
    mov     al, 1
    push    rdi
    rep stosb                       # every number starts as a candidate
    pop     rdi
    xor     eax, eax                # primes found
    mov     ebx, 2                  # i
outer:
    cmp     rbx, rsi
    jae     done
    cmp     byte ptr [rdi+rbx], 0
    je      next
    inc     rax
    mov     rcx, rbx
    imul    rcx, rbx                # multiples start at i*i
inner:
    cmp     rcx, rsi
    jae     next
    mov     byte ptr [rdi+rcx], 0
    add     rcx, rbx
    jmp     inner
next:
    inc     rbx
    jmp     outer
done:
    hlt
