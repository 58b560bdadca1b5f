// The parts of the KVM API that Swift cannot reach by itself: the ioctl request numbers, which
// <linux/kvm.h> builds with function-like _IO/_IOR/_IOW macros, and ioctl(2), which is variadic.
// The structures (kvm_run, kvm_regs, kvm_sregs, kvm_cpuid2...) come straight from the header.
#ifndef MIMIC_CKVM_H
#define MIMIC_CKVM_H

#include <linux/kvm.h>

// System ioctls (on the /dev/kvm descriptor).
extern const unsigned long CKVM_GET_API_VERSION;
extern const unsigned long CKVM_CREATE_VM;
extern const unsigned long CKVM_CHECK_EXTENSION;
extern const unsigned long CKVM_GET_VCPU_MMAP_SIZE;
extern const unsigned long CKVM_GET_SUPPORTED_CPUID;

// VM ioctls.
extern const unsigned long CKVM_SET_USER_MEMORY_REGION;
extern const unsigned long CKVM_SET_TSS_ADDR;
extern const unsigned long CKVM_SET_IDENTITY_MAP_ADDR;
extern const unsigned long CKVM_CREATE_VCPU;

// vCPU ioctls.
extern const unsigned long CKVM_RUN;
extern const unsigned long CKVM_GET_REGS;
extern const unsigned long CKVM_SET_REGS;
extern const unsigned long CKVM_GET_SREGS;
extern const unsigned long CKVM_SET_SREGS;
extern const unsigned long CKVM_SET_CPUID2;
extern const unsigned long CKVM_GET_FPU;
extern const unsigned long CKVM_SET_FPU;
extern const unsigned long CKVM_SET_GUEST_DEBUG;

/// ioctl(2) with a pointer argument; returns its result, or -1 with errno set.
int ckvm_ioctl(int fd, unsigned long request, void *argument);
/// ioctl(2) with an integer argument.
int ckvm_ioctl_value(int fd, unsigned long request, unsigned long argument);

#endif
