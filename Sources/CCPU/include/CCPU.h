// The CCPU module: the guest CPU state and the few host-CPU facts Swift cannot reach.
#include "cpu_state.h"
#include "host_cpu.h"
#include "host_fault.h"
#include "atomics.h"
