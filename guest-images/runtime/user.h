/* Ring-3 side: system call wrappers and printing through write(2). Code that includes this
 * must be in a user_*.c file so it lands in the user region. */
#ifndef USER_H
#define USER_H

#include <stdint.h>
#include <stddef.h>

int64_t sys_write(int fd, const void *buffer, size_t length);
__attribute__((noreturn)) void sys_exit(int code);
int64_t sys_call(uint64_t number, uint64_t a1, uint64_t a2, uint64_t a3);
void uputs(const char *s);
void uprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Top of the 64K ring-3 stack the runtime provides. */
uint64_t user_stack_top(void);

#endif
