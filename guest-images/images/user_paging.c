/* Ring-3 probes of the paging image: each touches the address it is given. */
#include "user.h"

void task_read(uint64_t address) {
    sys_exit((int)(*(volatile uint8_t *)address));
}

void task_write(uint64_t address) {
    *(volatile uint8_t *)address = 1;
    sys_exit(0);
}

void task_call(uint64_t address) {
    ((void (*)(void))address)();
    sys_exit(0);
}
