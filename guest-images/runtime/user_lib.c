#include "user.h"
#include "format.h"

static uint8_t user_stack[65536] __attribute__((aligned(16)));

uint64_t user_stack_top(void) { return (uint64_t)(user_stack + sizeof user_stack); }

int64_t sys_call(uint64_t number, uint64_t a1, uint64_t a2, uint64_t a3) {
    int64_t result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a1), "S"(a2), "d"(a3) : "rcx", "r11", "memory");
    return result;
}

int64_t sys_write(int fd, const void *buffer, size_t length) {
    return sys_call(1, (uint64_t)fd, (uint64_t)buffer, length);
}

void sys_exit(int code) {
    sys_call(60, (uint64_t)code, 0, 0);
    for (;;) {}
}

void uputs(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    sys_write(1, s, n);
}

void uprintf(const char *fmt, ...) {
    char buffer[256];
    va_list ap;
    va_start(ap, fmt);
    size_t n = vformat(buffer, sizeof buffer, fmt, ap);
    va_end(ap);
    sys_write(1, buffer, n < sizeof buffer ? n : sizeof buffer - 1);
}
