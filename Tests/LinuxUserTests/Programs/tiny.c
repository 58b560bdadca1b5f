// The smallest static program: one line on stdout, exit status 0, no libc. Built with
// -nostdlib, it is the seed of the ELF fuzz test and the base of the malformed-file tests.
static long system_call(long number, long a, long b, long c) {
    long result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return result;
}

void _start(void) {
    static const char text[] = "tiny\n";
    system_call(1, 1, (long)text, 5);
    system_call(60, 0, 0, 0);
    for (;;) {}
}
