import CCPU
import CLinuxUser
import ELF
import Introspection
import Lifter
import TCG
#if canImport(Glibc)
import Glibc
#endif

/// How `mimic run` runs a program.
public struct RunOptions: Sendable {
    public var accel: Accel = .jit
    public var engine = EngineOptions()
    /// `-L`: absolute guest paths are looked up here first (the dynamic loader, libraries).
    public var sysroot: String?
    /// The `mimic run` options an execve'd program runs with (accelerator, sysroot, logs).
    public var forwardedOptions: [String] = []
    public init() {}
}

/// One guest thread and the process it belongs to: the address space (shared by the
/// process's threads), the thread's CPU and signal state, and the loop that runs guest code
/// and services what it asks of the kernel. Each guest thread has its own `LinuxProcess` on
/// its own host thread (see GuestThreads.swift).
public final class LinuxProcess {
    public let space: AddressSpace
    public let engine: Engine
    /// What the process's threads share besides memory.
    let group: ThreadGroup
    /// This thread called exit: its run loop ends.
    var threadExited = false
    let options: RunOptions
    let cpu: UnsafeMutablePointer<MimicCPUState>
    /// The program's absolute path: what /proc/self/exe shows the guest.
    let programPath: String
    public let image: LoadedImage
    public let initialStack: InitialStack
    var signals: SignalState
    /// set_tid_address / CLONE_CHILD_CLEARTID.
    var clearChildTID: UInt64 = 0
    /// The system call that just returned EINTR (delivery decides whether it restarts).
    var interruptedSyscall: UInt64?
    /// Runs when the program exits, with its status (`--stats` prints there; gdb is told).
    public var beforeExit: ((_ status: Int32) -> Void)?

    /// Loads `program` and prepares its first instruction; nothing runs yet.
    /// `arguments[0]` is what the program sees as argv[0]. A script runs through its `#!`
    /// interpreter as execve runs it (ScriptInterpreter.swift), named after the script.
    public init(program: String, arguments givenArguments: [String], environment: [String], options: RunOptions) throws(LoadError) {
        self.options = options
        let script = try LinuxProcess.locate(program)
        let (path, arguments) = try ScriptInterpreter.resolve(script, arguments: givenArguments, sysroot: options.sysroot)
        let elf = try ProgramLoader.read(path: path)
        programPath = LinuxProcess.absolute(path)
        do {
            space = try AddressSpace(stackSize: LinuxProcess.stackSize())
        } catch {
            throw LoadError("cannot reserve the guest address space: \(error)", status: 1)
        }
        image = try ProgramLoader.load(elf, name: programPath, into: space, hostPath: path)
        var entry = image.entry
        var interpreterBase: UInt64 = 0
        if let interpreter = image.interpreter {
            let interpreterPath = LinuxProcess.hostPath(interpreter, sysroot: options.sysroot)
            let interpreterELF = try ProgramLoader.read(path: interpreterPath)
            guard interpreterELF.type == .sharedObject else { throw LoadError("\(interpreter): the interpreter is not a shared object") }
            let base = space.mmapTop - (256 << 20)
            let loaded = try ProgramLoader.load(interpreterELF, name: LinuxProcess.absolute(interpreterPath), into: space, base: base,
                                                hostPath: interpreterPath)
            interpreterBase = loaded.bias
            entry = loaded.entry
        }
        space.brkStart = AddressSpace.pageUp(image.end)!
        space.brk = space.brkStart

        // The stack, and on it what the kernel gives a new program.
        var stackAccess: GuestMemory.PageAccess = [.read, .write]
        if image.executableStack { stackAccess.insert(.execute) }
        space.mapAnonymous(GuestMapping(start: space.stackTop - space.stackSize, end: space.stackTop, access: stackAccess, name: "[stack]"))
        var random = [UInt8](repeating: 0, count: 16)
        _ = random.withUnsafeMutableBytes { hostSyscall(.getrandom, hostArgument($0.baseAddress), 16) }
        let aux = AuxiliaryVector(image: image, interpreterBase: interpreterBase, hwcap: UInt64(GuestCPUID.leaf1EDX),
                                  minimumSignalStack: UInt64(SignalFrame.minimumStack))
        initialStack = InitialStack(top: space.stackTop, arguments: arguments, environment: environment,
                                    executableName: program, auxiliaryVector: aux, random: random)
        guard UInt64(initialStack.bytes.count) < space.stackSize / 2 else { throw LoadError("\(program): argument list too long", status: 1) }
        space.memory.write(initialStack.bytes, at: initialStack.stackPointer)

        let inheritedSignals = SignalState.inherited()
        SignalState.mirrorAll(inheritedSignals)
        let descriptors = HostDescriptors.open()
        do {
            engine = try Engine(memory: space.memory, accel: options.accel, options: options.engine)
        } catch {
            throw LoadError("cannot start the engine: \(error)", status: 1)
        }
        // Mimic's own descriptors (the code buffers) must not take the numbers the guest's
        // open() would get.
        HostDescriptors.moveAbove(descriptors)
        cpu = engine.cpu
        cpu.pointee.rip = entry
        signals = inheritedSignals
        group = ThreadGroup()
        setRegister(MIMIC_RSP, initialStack.stackPointer)
        bindSignalsToThisThread()
        LinuxProcess.nameThread(afterProgram: program)
    }

    /// A new thread of `creator`'s process, running on `engine` (which shares the creator's
    /// translations and starts with a copy of its registers).
    init(thread creator: LinuxProcess, engine: Engine) {
        space = creator.space
        self.engine = engine
        group = creator.group
        options = creator.options
        cpu = engine.cpu
        programPath = creator.programPath
        image = creator.image
        initialStack = creator.initialStack
        signals = creator.signals.forNewThread()
        beforeExit = creator.beforeExit
    }

    /// Runs the program to its end: exits with its status, or dies of its signal.
    public func run() -> Never {
        runThread()
        // The main thread called exit while other threads run: the process lives on in them
        // and ends when the last one exits (ThreadGroup).
        ThreadGroup.parkForever()
    }

    /// Runs this thread's guest code until the thread exits.
    func runThread() {
        while !threadExited {
            guard cpu.pointee.rip < space.size else {
                // A jump out of the address space: the fetch faults there.
                raiseFault(vector: Int(MIMIC_EXC_PF), errorCode: 0x10, address: cpu.pointee.rip)
                deliverSignals()
                continue
            }
            serve(engine.run())
        }
    }

    /// Serves what stopped the engine as the kernel would: a system call, a fault (the guest's
    /// signal), a host signal; then delivers pending signals. The gdb stub, which runs the
    /// engine itself, calls this too.
    public func serve(_ stop: StopReason) {
        switch stop {
        case .syscall:
            serviceSyscall()
        case .exception(vector: Int(MIMIC_EXC_STOP), _, _):
            // A host signal arrived while guest code ran: deliver it below.
            mimic_clear_exit_request(cpu, UInt32(MIMIC_EXIT_REQ_STOP))
        case .exception(let vector, let errorCode, let address):
            Log.exception(vector: vector, errorCode: errorCode, pc: cpu.pointee.rip, faultAddress: vector == Int(MIMIC_EXC_PF) ? address : nil)
            raiseFault(vector: vector, errorCode: errorCode, address: address)
        case .halt:
            // HLT is privileged: user mode gets #GP at the instruction.
            cpu.pointee.rip -= 1
            raiseFault(vector: Int(MIMIC_EXC_GP), errorCode: 0, address: 0)
        }
        deliverSignals()
    }

    func serviceSyscall() {
        let number = register(MIMIC_RAX)
        // What the SYSCALL instruction itself does.
        setRegister(MIMIC_RCX, cpu.pointee.rip)
        setRegister(MIMIC_R11, rflags)
        let arguments = SyscallArguments(values: [register(MIMIC_RDI), register(MIMIC_RSI), register(MIMIC_RDX),
                                                  register(MIMIC_R10), register(MIMIC_R8), register(MIMIC_R9)])
        let result: Int64?
        // Calls that change the address space run one at a time across the process's threads.
        let exclusive = LinuxProcess.changesAddressSpace.contains(number)
        if exclusive { group.addressSpaceLock.lock() }
        do {
            result = try dispatch(number, arguments)
        } catch {
            result = -Int64(error.code)
        }
        if exclusive { group.addressSpaceLock.unlock() }
        if Log.isEnabled(.strace) { traceSyscall(number, arguments, result) }
        if let result {
            setRegister(MIMIC_RAX, UInt64(bitPattern: result))
            if result == -Int64(EINTR) { interruptedSyscall = number }
        }
    }

    /// Exits the process with `status` (exit_group), as Linux does: no cleanup in Mimic.
    func exitProcess(_ status: Int32) -> Never {
        beforeExit?(status & 0xFF)
        _exit(status & 0xFF)
    }

    // MARK: Setup helpers

    /// The program to load: `program` itself when it names a path, else found in PATH as a
    /// shell would.
    static func locate(_ program: String) throws(LoadError) -> String {
        guard !program.contains("/") else { return program }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + program
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw LoadError("\(program): command not found", status: LoadError.missingStatus)
    }

    static func absolute(_ path: String) -> String {
        if let real = realpath(path, nil) {
            defer { free(real) }
            return String(cString: real)
        }
        return path
    }

    /// Where the host finds guest path `path`: under the sysroot when it exists there (links
    /// resolved inside it, see SysrootPaths).
    static func hostPath(_ path: String, sysroot: String?) -> String {
        SysrootPaths.resolve(path, sysroot: sysroot)
    }

    /// The main thread's stack size: RLIMIT_STACK within [128 KiB, 256 MiB], 8 MiB if unlimited.
    static func stackSize() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_STACK.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return 8 << 20 }
        let bytes = min(max(UInt64(limit.rlim_cur), 128 << 10), 256 << 20)
        return AddressSpace.pageUp(bytes)!
    }
}
