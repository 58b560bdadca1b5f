import CFFI
import IR

/// A C function pointer that carries a Swift closure: libffi allocates a small trampoline that
/// calls back into Swift with the closure's context. Its signature is a helper's
/// (`HelperFunction`: the CPU state then four 64-bit arguments, returning 64 bits), so the
/// runtime can register one as a helper that reaches a Swift object, with no global state.
///
/// The function pointer is valid while this object lives.
public final class FFIClosure {
    public typealias Body = (UnsafeMutableRawPointer?, UInt64, UInt64, UInt64, UInt64) -> UInt64

    /// The C entry point.
    public let function: HelperFunction
    private let body: Body
    private let closure: UnsafeMutablePointer<ffi_closure>
    private let cif: UnsafeMutablePointer<ffi_cif>
    private let argumentTypes: UnsafeMutablePointer<UnsafeMutablePointer<ffi_type>?>

    public struct Failure: Error, CustomStringConvertible { public var description: String }

    public init(_ body: @escaping Body) throws {
        self.body = body
        cif = .allocate(capacity: 1)
        argumentTypes = .allocate(capacity: 5)
        argumentTypes[0] = withUnsafeMutablePointer(to: &ffi_type_pointer) { $0 }
        for i in 1..<5 { argumentTypes[i] = withUnsafeMutablePointer(to: &ffi_type_uint64) { $0 } }
        var code: UnsafeMutableRawPointer?
        guard let raw = ffi_closure_alloc(MemoryLayout<ffi_closure>.size, &code), let code else {
            cif.deallocate()
            argumentTypes.deallocate()
            throw Failure(description: "ffi_closure_alloc failed")
        }
        closure = raw.assumingMemoryBound(to: ffi_closure.self)
        function = unsafeBitCast(code, to: HelperFunction.self)
        guard ffi_prep_cif(cif, FFI_DEFAULT_ABI, 5, withUnsafeMutablePointer(to: &ffi_type_uint64) { $0 }, argumentTypes) == FFI_OK,
              ffi_prep_closure_loc(closure, cif, ffiClosureEntry, Unmanaged.passUnretained(self).toOpaque(), code) == FFI_OK
        else {
            ffi_closure_free(raw)
            cif.deallocate()
            argumentTypes.deallocate()
            throw Failure(description: "ffi_prep_closure_loc failed")
        }
    }

    deinit {
        ffi_closure_free(closure)
        cif.deallocate()
        argumentTypes.deallocate()
    }

    fileprivate func invoke(_ args: UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> UInt64 {
        body(args[0]!.load(as: UnsafeMutableRawPointer?.self),
             args[1]!.load(as: UInt64.self), args[2]!.load(as: UInt64.self),
             args[3]!.load(as: UInt64.self), args[4]!.load(as: UInt64.self))
    }
}

/// What libffi calls: `user` is the FFIClosure, `args` point at the argument values.
private func ffiClosureEntry(_ cif: UnsafeMutablePointer<ffi_cif>?, _ result: UnsafeMutableRawPointer?,
                             _ args: UnsafeMutablePointer<UnsafeMutableRawPointer?>?, _ user: UnsafeMutableRawPointer?) {
    let closure = Unmanaged<FFIClosure>.fromOpaque(user!).takeUnretainedValue()
    result!.storeBytes(of: closure.invoke(args!), as: UInt64.self)
}
