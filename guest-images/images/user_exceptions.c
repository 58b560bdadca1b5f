/* Ring-3 half of the exceptions image: a breakpoint the kernel's #BP handler records. */
#include "user.h"

/* The address after the INT3, for the kernel to compare with the trap's RIP. */
uint64_t user_breakpoint_after;

void user_breakpoint_task(uint64_t argument) {
    (void)argument;
    __asm__ volatile("leaq 1f(%%rip), %%rax\n\tmovq %%rax, %0\n\tint3\n1:" : "=m"(user_breakpoint_after) :: "rax", "memory");
    sys_exit(0);
}
