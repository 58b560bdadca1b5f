/* The guest runtime's ring-0 side: console, verdicts, descriptor tables, exceptions,
 * system calls and ring-3 tasks. Every image provides kmain. */
#ifndef KERNEL_H
#define KERNEL_H

#include <stdint.h>
#include <stddef.h>
#include "start_info.h"
#include "format.h"

/* The image's entry: returns its verdict, 0 for pass. */
int kmain(const struct hvm_start_info *info);

/* Console on COM1. */
void serial_init(void);
void serial_putc(char c);
int serial_getc(void);                 /* blocks (polls) until a byte arrives */
void kputs(const char *s);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Ends the run through the debug-exit port: status (verdict << 1) | 1. */
__attribute__((noreturn)) void debug_exit(uint32_t verdict);

/* Register state saved by exception_common (entry.S), lowest address first. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;     /* pushed by the processor */
};

typedef void (*exception_handler)(struct trap_frame *frame);
/* Installs a handler for a vector (0-31); NULL restores the default (report and fail). */
void set_exception_handler(int vector, exception_handler handler);
extern const char *const exception_names[32];

/* Runs entry(argument) in ring 3 on the given stack; returns its exit code. */
uint64_t run_user_task(void (*entry)(uint64_t), uint64_t user_stack_top, uint64_t argument);
/* From kernel code running on behalf of a task: end it, making run_user_task return code. */
__attribute__((noreturn)) void task_exit(uint64_t code);

/* Image layout from image.ld: the user region holds everything from user_*.o. */
extern char __kernel_start[], __kernel_end[], __user_start[], __user_end[];

/* Linux system call numbers the kernel serves. */
#define SYS_write      1
#define SYS_exit       60
#define SYS_exit_group 231

#endif
