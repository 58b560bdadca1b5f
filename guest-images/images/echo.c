/* echo: copies serial input back to the serial output until end of input (Ctrl-D, byte 0x04,
 * which Mimic's UART also reports once when the host side closes), then reports the count. */
#include "kernel.h"

int kmain(const struct hvm_start_info *info) {
    (void)info;
    uint64_t count = 0;
    for (;;) {
        int c = serial_getc();
        if (c == 0x04) break;
        serial_putc((char)c);
        count++;
    }
    kprintf("echo: %lu bytes\n", count);
    return 0;
}
