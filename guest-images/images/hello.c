/* hello: the smallest image. Prints through the UART, shows the command line the loader
 * passed in the PVH start info, and exits through debug-exit with a pass verdict. */
#include "kernel.h"

int kmain(const struct hvm_start_info *info) {
    kputs("Hello from a PVH guest!\n");
    const char *cmdline = info->cmdline_paddr ? (const char *)info->cmdline_paddr : "";
    kprintf("cmdline: \"%s\"\n", cmdline);
    return 0;
}
