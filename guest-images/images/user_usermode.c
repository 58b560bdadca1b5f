/* Ring-3 tasks of the usermode image. They reach the kernel only through SYSCALL. */
#include "user.h"

void task_hello(uint64_t argument) {
    uint16_t cs;
    __asm__ volatile("movw %%cs, %0" : "=r"(cs));
    uprintf("task %lu: hello from ring 3 (CPL %u)\n", argument, cs & 3);
    sys_exit(0);
}

/* The kernel refuses what it must: a bad descriptor, a kernel pointer, an unknown call. */
void task_syscall_errors(uint64_t argument) {
    int64_t bad_fd = sys_write(7, "x", 1);
    int64_t kernel_pointer = sys_write(1, (const void *)0x100000, 16);
    int64_t unknown = sys_call(999, 0, 0, 0);
    int64_t written = sys_write(1, "", 0);
    uprintf("task %lu: write(7) = %ld, write(kernel pointer) = %ld, syscall 999 = %ld, write(empty) = %ld\n",
            argument, bad_fd, kernel_pointer, unknown, written);
    sys_exit(bad_fd == -9 && kernel_pointer == -14 && unknown == -38 && written == 0 ? 42 : 1);
}

/* Reads the kernel's first page: a user-mode read of a supervisor page, #PF error 0x5. */
void task_read_kernel(uint64_t argument) {
    uprintf("task %lu: reading kernel memory\n", argument);
    volatile uint64_t *kernel = (volatile uint64_t *)0x100000;
    (void)*kernel;
    sys_exit(0);
}

/* HLT is privileged: #GP(0) at CPL 3. */
void task_privileged(uint64_t argument) {
    uprintf("task %lu: executing HLT\n", argument);
    __asm__ volatile("hlt");
    sys_exit(0);
}

/* Port I/O with IOPL 0 and no I/O bitmap: #GP(0). */
void task_port_io(uint64_t argument) {
    uprintf("task %lu: writing to the UART port\n", argument);
    __asm__ volatile("outb %%al, %%dx" :: "a"('!'), "d"(0x3F8));
    sys_exit(0);
}
