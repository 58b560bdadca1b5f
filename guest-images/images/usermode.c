/* usermode: a small ring-0 kernel (the runtime's GDT, TSS, IDT and SYSCALL/SYSRET) runs ring-3
 * tasks that call write and exit, and kills the ones that fault, as an OS does. */
#include "kernel.h"
#include "cpu.h"
#include "user.h"

void task_hello(uint64_t);
void task_syscall_errors(uint64_t);
void task_read_kernel(uint64_t);
void task_privileged(uint64_t);
void task_port_io(uint64_t);

/* A fault in ring 3 kills the task; the exit code tells the vector (0x100 + vector). */
static uint64_t fault_error, fault_cr2;

static void kill_task(struct trap_frame *f) {
    if ((f->cs & 3) != 3) {
        kprintf("kernel fault %s at rip 0x%lx\n", exception_names[f->vector & 31], f->rip);
        debug_exit(0x7F);
    }
    fault_error = f->error_code;
    fault_cr2 = f->vector == 14 ? read_cr2() : 0;
    task_exit(0x100 + f->vector);
}

static int failures;

static void run(const char *name, void (*task)(uint64_t), uint64_t id, uint64_t expected_exit,
                uint64_t expected_error, uint64_t expected_cr2) {
    fault_error = fault_cr2 = 0;
    uint64_t code = run_user_task(task, user_stack_top(), id);
    int ok = code == expected_exit && fault_error == expected_error && fault_cr2 == expected_cr2;
    if (code >= 0x100)
        kprintf("kernel: task %lu (%s) killed by %s, error 0x%lx, cr2 0x%lx: %s\n", id, name,
                exception_names[(code - 0x100) & 31], fault_error, fault_cr2, ok ? "ok" : "WRONG");
    else
        kprintf("kernel: task %lu (%s) exited with %lu: %s\n", id, name, code, ok ? "ok" : "WRONG");
    if (!ok) failures++;
}

int kmain(const struct hvm_start_info *info) {
    (void)info;
    set_exception_handler(13, kill_task);
    set_exception_handler(14, kill_task);
    run("hello", task_hello, 1, 0, 0, 0);
    run("syscall errors", task_syscall_errors, 2, 42, 0, 0);
    run("read kernel memory", task_read_kernel, 3, 0x100 + 14, 0x5, 0x100000);
    run("privileged instruction", task_privileged, 4, 0x100 + 13, 0, 0);
    run("port I/O", task_port_io, 5, 0x100 + 13, 0, 0);
    if (failures) {
        kprintf("usermode: %d tasks FAILED\n", failures);
        return 1;
    }
    kputs("usermode: all tasks behaved\n");
    return 0;
}
