// KVM target
