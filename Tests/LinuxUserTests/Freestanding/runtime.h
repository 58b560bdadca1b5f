/* A tiny freestanding runtime for Mimic's Linux user-mode tests: raw system calls, output,
 * and a _start that calls main(argc, argv, envp). No libc, no SSE (built with -mno-sse), so
 * the programs need nothing of the CPU beyond the general-purpose instructions. */
#ifndef RUNTIME_H
#define RUNTIME_H

typedef unsigned long size_t;
typedef long ssize_t;

static inline long sys6(long n, long a, long b, long c, long d, long e, long f) {
    long r;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
    return r;
}
#define sys0(n) sys6(n, 0, 0, 0, 0, 0, 0)
#define sys1(n, a) sys6(n, (long)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) sys6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

enum {
    SYS_read = 0, SYS_write = 1, SYS_close = 3, SYS_fstat = 5, SYS_lseek = 8, SYS_mmap = 9, SYS_mprotect = 10,
    SYS_munmap = 11, SYS_brk = 12, SYS_rt_sigaction = 13, SYS_rt_sigprocmask = 14, SYS_mremap = 25,
    SYS_pipe = 22, SYS_dup2 = 33, SYS_pause = 34, SYS_alarm = 37, SYS_getpid = 39, SYS_fork = 57,
    SYS_execve = 59, SYS_exit = 60, SYS_wait4 = 61, SYS_kill = 62, SYS_uname = 63, SYS_getcwd = 79,
    SYS_mkdir = 83, SYS_unlink = 87, SYS_sigaltstack = 131, SYS_arch_prctl = 158, SYS_gettid = 186,
    SYS_getdents64 = 217, SYS_clock_gettime = 228, SYS_exit_group = 231, SYS_tgkill = 234,
    SYS_openat = 257, SYS_newfstatat = 262,
};

static inline size_t strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
static inline int strcmp(const char *a, const char *b) { while (*a && *a == *b) { a++; b++; } return (unsigned char)*a - (unsigned char)*b; }
static inline int strncmp(const char *a, const char *b, size_t n) {
    for (size_t i = 0; i < n; i++) { if (a[i] != b[i] || !a[i]) return (unsigned char)a[i] - (unsigned char)b[i]; }
    return 0;
}
static inline void put(int fd, const char *s) { sys3(SYS_write, fd, s, strlen(s)); }
static inline void puts1(const char *s) { put(1, s); }
static inline void putnum(long v) {
    char b[24]; int i = 23; b[i] = 0;
    int neg = v < 0; unsigned long u = neg ? -(unsigned long)v : (unsigned long)v;
    do { b[--i] = '0' + u % 10; u /= 10; } while (u);
    if (neg) b[--i] = '-';
    puts1(b + i);
}
static inline void puthex(unsigned long v) {
    char b[20]; int i = 19; b[i] = 0;
    do { b[--i] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v);
    puts1("0x"); puts1(b + i);
}
static inline void line(const char *label, long v) { puts1(label); puts1(" "); putnum(v); puts1("\n"); }
static inline __attribute__((noreturn)) void exit_group(int status) { sys1(SYS_exit_group, status); __builtin_unreachable(); }

/* The kernel's struct sigaction for rt_sigaction (x86-64). */
struct ksigaction { void *handler; unsigned long flags; void (*restorer)(void); unsigned long mask; };
#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_RESTORER 0x04000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
void restore_rt(void);
__asm__(".text\n.globl restore_rt\nrestore_rt:\n mov $15, %eax\n syscall\n hlt\n");
static inline long sigaction_install(int sig, void *handler, unsigned long flags) {
    struct ksigaction a = { handler, flags | SA_RESTORER, restore_rt, 0 };
    return sys4(SYS_rt_sigaction, sig, &a, 0, 8);
}

int main(int argc, char **argv, char **envp);
__asm__(".text\n.globl _start\n_start:\n xor %ebp, %ebp\n mov (%rsp), %rdi\n lea 8(%rsp), %rsi\n"
        " lea 16(%rsp,%rdi,8), %rdx\n and $-16, %rsp\n call main\n mov %eax, %edi\n mov $231, %eax\n syscall\n hlt\n");

#endif
