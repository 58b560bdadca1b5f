/// Linux x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl) of the calls
/// Mimic implements or knows by name.
enum SyscallNumber: UInt64 {
    case read = 0, write, open, close, stat, fstat, lstat, poll, lseek, mmap, mprotect, munmap, brk
    case rt_sigaction = 13, rt_sigprocmask, rt_sigreturn, ioctl, pread64, pwrite64, readv, writev
    case access = 21, pipe, select, sched_yield, mremap, msync, mincore, madvise
    case dup = 32, dup2, pause, nanosleep, getitimer, alarm, setitimer, getpid
    case sendfile = 40, socket, connect, accept, sendto, recvfrom, sendmsg, recvmsg, shutdown, bind
    case listen = 50, getsockname, getpeername, socketpair, setsockopt, getsockopt
    case clone = 56, fork, vfork, execve, exit, wait4, kill, uname
    case fcntl = 72, flock, fsync, fdatasync, truncate, ftruncate, getdents, getcwd, chdir, fchdir
    case rename = 82, mkdir, rmdir, creat, link, unlink, symlink, readlink, chmod, fchmod, chown
    case fchown = 93, lchown, umask, gettimeofday, getrlimit, getrusage, sysinfo, times
    case getuid = 102, getgid = 104, setuid, setgid, geteuid, getegid, setpgid, getppid, getpgrp
    case setsid = 112, setreuid, setregid, getgroups, setgroups, setresuid, getresuid, setresgid
    case getresgid = 120, getpgid, setfsuid, setfsgid, getsid, capget, capset
    case rt_sigpending = 127, rt_sigtimedwait, rt_sigqueueinfo, rt_sigsuspend, sigaltstack, utime
    case mknod = 133
    case personality = 135
    case statfs = 137, fstatfs
    case getpriority = 140, setpriority, sched_setparam, sched_getparam, sched_setscheduler, sched_getscheduler
    case sched_get_priority_max = 146, sched_get_priority_min, sched_rr_get_interval, mlock, munlock, mlockall, munlockall
    case prctl = 157, arch_prctl
    case setrlimit = 160
    case sync = 162
    case gettid = 186, readahead, setxattr, lsetxattr, fsetxattr, getxattr, lgetxattr, fgetxattr, listxattr
    case llistxattr = 195, flistxattr, removexattr, lremovexattr, fremovexattr
    case epoll_create = 213
    case tkill = 200, time, futex, sched_setaffinity, sched_getaffinity
    case getdents64 = 217, set_tid_address, restart_syscall
    case fadvise64 = 221, timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete
    case clock_gettime = 228, clock_getres, clock_nanosleep, exit_group, epoll_wait, epoll_ctl
    case tgkill = 234, utimes
    case waitid = 247
    case inotify_init = 253, inotify_add_watch, inotify_rm_watch
    case openat = 257, mkdirat, mknodat, fchownat, futimesat, newfstatat, unlinkat, renameat, linkat
    case symlinkat = 266, readlinkat, fchmodat, faccessat, pselect6, ppoll
    case set_robust_list = 273, get_robust_list, splice, tee, sync_file_range, vmsplice
    case utimensat = 280, epoll_pwait, signalfd, timerfd_create, eventfd, fallocate, timerfd_settime, timerfd_gettime
    case accept4 = 288, signalfd4
    case eventfd2 = 290, epoll_create1, dup3, pipe2, inotify_init1
    case preadv = 295, pwritev, rt_tgsigqueueinfo
    case recvmmsg = 299
    case prlimit64 = 302
    case syncfs = 306, sendmmsg
    case getcpu = 309
    case renameat2 = 316
    case getrandom = 318, memfd_create
    case copy_file_range = 326, preadv2, pwritev2
    case statx = 332
    case rseq = 334
    case membarrier = 324
    case mlock2 = 325
    case io_uring_setup = 425, io_uring_enter, io_uring_register
    case clone3 = 435, close_range, openat2
    case faccessat2 = 439
    case epoll_pwait2 = 441
}
