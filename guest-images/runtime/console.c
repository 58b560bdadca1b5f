/* COM1 console (16550A at 0x3F8) and the debug-exit verdict port. */
#include "kernel.h"
#include "cpu.h"

#define COM1 0x3F8
#define REG_DATA 0
#define REG_IER  1
#define REG_FCR  2
#define REG_LCR  3
#define REG_MCR  4
#define REG_LSR  5
#define LSR_DR   0x01
#define LSR_THRE 0x20

void serial_init(void) {
    outb(COM1 + REG_IER, 0x00);     /* no interrupts: the console polls */
    outb(COM1 + REG_LCR, 0x80);     /* DLAB to reach the divisor latch */
    outb(COM1 + REG_DATA, 0x01);    /* divisor 1: 115200 baud */
    outb(COM1 + REG_IER, 0x00);
    outb(COM1 + REG_LCR, 0x03);     /* 8 data bits, no parity, 1 stop bit */
    outb(COM1 + REG_FCR, 0xC7);     /* FIFOs on and cleared, 14-byte trigger */
    outb(COM1 + REG_MCR, 0x03);     /* DTR, RTS */
}

void serial_putc(char c) {
    while (!(inb(COM1 + REG_LSR) & LSR_THRE)) {}
    outb(COM1 + REG_DATA, (uint8_t)c);
}

int serial_getc(void) {
    while (!(inb(COM1 + REG_LSR) & LSR_DR)) {}
    return inb(COM1 + REG_DATA);
}

void kputs(const char *s) {
    while (*s) serial_putc(*s++);
}

void kprintf(const char *fmt, ...) {
    char buffer[256];
    va_list ap;
    va_start(ap, fmt);
    vformat(buffer, sizeof buffer, fmt, ap);
    va_end(ap);
    kputs(buffer);
}

void debug_exit(uint32_t verdict) {
    outl(0xF4, verdict);
    /* Without a debug-exit device, stop here with interrupts off. */
    for (;;) __asm__ volatile("cli; hlt");
}
