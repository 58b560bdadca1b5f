import IR

/// A set of host registers, one bit per encoding number.
struct RegSet: Equatable {
    var bits: UInt16
    @inline(__always) static var empty: RegSet { RegSet(bits: 0) }
    init(bits: UInt16) { self.bits = bits }
    init(_ r: GPR) { bits = 1 << UInt16(r.rawValue) }
    @inline(__always) func contains(_ r: GPR) -> Bool { bits & (1 << UInt16(r.rawValue)) != 0 }
    @inline(__always) mutating func insert(_ r: GPR) { bits |= 1 << UInt16(r.rawValue) }
    @inline(__always) mutating func remove(_ r: GPR) { bits &= ~(1 << UInt16(r.rawValue)) }
}

/// Registers in a fixed order, four bits each, lowest first: the allocator's loops walk these
/// rather than arrays (no retain, no bounds check, no lazy global).
struct RegList: Sequence, IteratorProtocol {
    var packed: UInt64
    var count: Int

    init(packed: UInt64, count: Int) {
        self.packed = packed
        self.count = count
    }

    @inline(__always) mutating func next() -> GPR? {
        guard count > 0 else { return nil }
        let r = GPR(rawValue: UInt8(truncatingIfNeeded: packed & 15))
        packed >>= 4
        count -= 1
        return r
    }

    /// The registers of `set`, in this list's order; the walk stops at the last of them.
    @inline(__always) func restricted(to set: RegSet) -> RestrictedRegList { RestrictedRegList(list: self, pending: set) }
}

/// `RegList.restricted(to:)`.
struct RestrictedRegList: Sequence, IteratorProtocol {
    var list: RegList
    var pending: RegSet

    @inline(__always) mutating func next() -> GPR? {
        while pending.bits != 0, let r = list.next() {
            if pending.contains(r) {
                pending.remove(r)
                return r
            }
        }
        return nil
    }
}

/// Where temps live while one block is compiled: TCG's local allocator.
///
/// A temp's value is in a host register, in its memory home, or both. Globals' homes are their
/// fields in the CPU state (`[r14 + offset]`); a local gets a stack slot (`[rsp + 8*slot]`) the
/// first time it must leave its register. Constants are never owned: they become immediates or
/// are loaded into a scratch register for one op. Registers used by the op being lowered are
/// locked so that making room for another operand cannot take them.
struct RegisterAllocator {
    /// Allocation order: callee-saved first (they survive helper calls), rax/rcx/rdx last
    /// (mul and shifts by cl want them): rbx, rbp, r12, r13, r8, r9, r10, r11, rsi, rdi, rdx,
    /// rcx, rax (RegisterOrderTests spells it out).
    @inline(__always) static var order: RegList { RegList(packed: 0x0127_6BA9_8DC5_3, count: 13) }
    /// rax, rcx, rdx, rsi, rdi, r8-r11.
    @inline(__always) static var callerSaved: RegSet { RegSet(bits: 0x0FC7) }
    /// rbx, rbp, r12, r13.
    @inline(__always) static var calleeSavedOrder: RegList { RegList(packed: 0xDC53, count: 4) }

    let temps: UnsafeBufferPointer<TempInfo>
    let globalCount: Int
    let crossing: UnsafeMutableBufferPointer<Bool>

    // Per-temp state, in memory from the compiling thread's arena: the allocator is never
    // copied, so these are its own.
    /// Per temp: its register, or nil.
    let reg: UnsafeMutableBufferPointer<GPR?>
    /// Per temp: its memory home holds its current value.
    let inMemory: UnsafeMutableBufferPointer<Bool>
    /// Per temp: bits 63:32 of its value are known to be zero. Only for locals of one basic
    /// block, whose ops run in the order they are compiled; cleared by every new definition.
    let upperZero: UnsafeMutableBufferPointer<Bool>
    /// Per local: its stack slot, or -1.
    let slot: UnsafeMutableBufferPointer<Int32>
    /// Per register: the temp it holds.
    let owner: UnsafeMutableBufferPointer<Temp>
    /// The registers whose `owner` is a temp (so that the walks over the registers skip the
    /// empty ones).
    var occupied = RegSet.empty
    /// The registers holding a global whose value is newer than its field in the CPU state
    /// (what `syncGlobals` stores, so that it visits no other register).
    var dirtyGlobals = RegSet.empty
    /// Registers the current op reads or writes.
    var locked = RegSet.empty
    /// Stack slots given back by dead locals (a stack of `freeSlotCount`; at most one per temp).
    let freeSlots: UnsafeMutablePointer<Int32>
    var freeSlotCount = 0
    var nextSlot: Int32 = 0
    /// Set when a block needs more spill slots than the frame has; compilation then fails.
    var outOfSlots = false

    init(temps: UnsafeBufferPointer<TempInfo>, globalCount: Int, crossing: UnsafeMutableBufferPointer<Bool>, arena: ScratchArena) {
        self.temps = temps
        self.globalCount = globalCount
        self.crossing = crossing
        reg = arena.allocate(Optional<GPR>.self, count: temps.count, repeating: GPR?.none)
        inMemory = arena.allocate(Bool.self, count: temps.count, repeating: false)
        for g in 0..<globalCount { inMemory[g] = true }
        slot = arena.allocate(Int32.self, count: temps.count, repeating: -1)
        upperZero = arena.allocate(Bool.self, count: temps.count, repeating: false)
        owner = arena.allocate(Temp.self, count: 16, repeating: .none)
        freeSlots = arena.allocateUninitialized(Int32.self, count: temps.count).baseAddress!
    }

    @inline(__always) func isConst(_ t: Temp) -> Bool { temps[Int(t.index)].kind == .const }
    @inline(__always) func constValue(_ t: Temp) -> UInt64 { temps[Int(t.index)].value }
    @inline(__always) func isGlobal(_ t: Temp) -> Bool { Int(t.index) < globalCount }

    /// Where `t` lives in memory, assigning a stack slot to a local on first need.
    mutating func home(_ t: Temp) -> Mem {
        let i = Int(t.index)
        if i < globalCount { return Mem(.r14, Int32(temps[i].value)) }
        if slot[i] < 0 {
            if freeSlotCount > 0 {
                freeSlotCount -= 1
                slot[i] = freeSlots[freeSlotCount]
            } else if nextSlot < Int32(EntryTrampoline.spillSlots) {
                slot[i] = nextSlot
                nextSlot += 1
            } else {
                outOfSlots = true
                slot[i] = 0
            }
        }
        return Mem(.rsp, slot[i] * 8)
    }

    @inline(__always) func width(_ t: Temp) -> Width { temps[Int(t.index)].type == .i32 ? .b32 : .b64 }

    // MARK: Registers

    /// `r` now holds `t`.
    @inline(__always) mutating func assign(_ r: GPR, _ t: Temp) {
        owner[Int(r.rawValue)] = t
        occupied.insert(r)
    }

    /// `r` holds nothing.
    @inline(__always) mutating func vacate(_ r: GPR) {
        owner[Int(r.rawValue)] = .none
        occupied.remove(r)
        dirtyGlobals.remove(r)
    }

    /// A free register outside `avoid`, spilling another temp's register when none is free.
    /// The register comes back locked.
    mutating func allocate(_ asm: inout X86Encoder, avoid: RegSet = .empty) -> GPR {
        let taken = RegSet(bits: occupied.bits | locked.bits | avoid.bits)
        for r in Self.order where !taken.contains(r) {
            locked.insert(r)
            return r
        }
        for r in Self.order where !locked.contains(r) && !avoid.contains(r) {
            spill(r, &asm)
            locked.insert(r)
            return r
        }
        preconditionFailure("every register is locked by one op")
    }

    /// Writes the temp in `r` to its home if needed and frees `r`.
    mutating func spill(_ r: GPR, _ asm: inout X86Encoder) {
        let t = owner[Int(r.rawValue)]
        guard !t.isNone else { return }
        if !inMemory[Int(t.index)] {
            asm.mov(width(t), home(t), r)
            inMemory[Int(t.index)] = true
        }
        reg[Int(t.index)] = nil
        vacate(r)
    }

    /// Empties `r` for a fixed use: its temp moves to a free register, or to memory when none is free.
    mutating func evict(_ r: GPR, _ asm: inout X86Encoder, preferring candidates: RegList = RegisterAllocator.order) {
        let t = owner[Int(r.rawValue)]
        guard !t.isNone else { return }
        for other in candidates where other != r && !occupied.contains(other) && !locked.contains(other) {
            asm.mov(.b64, other, r)
            assign(other, t)
            if dirtyGlobals.contains(r) { dirtyGlobals.insert(other) }
            vacate(r)
            reg[Int(t.index)] = other
            return
        }
        spill(r, &asm)
    }

    /// Copies `t`'s value into `r` without changing who owns what.
    mutating func materialize(_ t: Temp, into r: GPR, _ asm: inout X86Encoder) {
        if isConst(t) {
            asm.loadImmediate(r, constValue(t))
        } else if let current = reg[Int(t.index)] {
            if current != r { asm.mov(.b64, r, current) }
        } else {
            asm.mov(width(t), r, home(t))
        }
    }

    /// A register holding `t`'s value, locked. A constant is loaded into a scratch register that
    /// nobody owns; any other temp is loaded into a register it then owns.
    mutating func use(_ t: Temp, _ asm: inout X86Encoder, avoid: RegSet = .empty) -> GPR {
        if !isConst(t), let r = reg[Int(t.index)] {
            locked.insert(r)
            return r
        }
        let r = allocate(&asm, avoid: avoid)
        materialize(t, into: r, &asm)
        if !isConst(t) {
            assign(r, t)
            reg[Int(t.index)] = r
        }
        return r
    }

    /// Puts `t`'s value in the fixed register `r`, locked. With `clobbered`, the op destroys `r`,
    /// so a temp that stays live afterwards keeps its value elsewhere.
    mutating func useFixed(_ t: Temp, _ r: GPR, clobbered: Bool, dies: Bool, _ asm: inout X86Encoder) {
        if !isConst(t), reg[Int(t.index)] == r {
            if clobbered && !dies { evict(r, &asm) }
            locked.insert(r)
            return
        }
        evict(r, &asm)
        locked.insert(r)
        materialize(t, into: r, &asm)
    }

    /// Gives `t` the register `r` with a value not yet in memory. `r` must not hold another live temp.
    mutating func define(_ t: Temp, _ r: GPR) {
        let i = Int(t.index)
        if let old = reg[i], old != r { vacate(old) }
        let previous = owner[Int(r.rawValue)]
        if !previous.isNone, previous != t { reg[Int(previous.index)] = nil }
        assign(r, t)
        reg[i] = r
        inMemory[i] = false
        if i < globalCount { dirtyGlobals.insert(r) } else { dirtyGlobals.remove(r) }
        upperZero[i] = false
        locked.insert(r)
    }

    /// Records that `t`'s value (just defined) has bits 63:32 zero, when `t` is a local of one
    /// basic block.
    @inline(__always) mutating func noteUpperZero(_ t: Temp) {
        let i = Int(t.index)
        if i >= globalCount, !t.isNone, !crossing[i] { upperZero[i] = true }
    }

    /// Whether `t` is a temp (not a constant) whose value has bits 63:32 zero.
    @inline(__always) func hasUpperZero(_ t: Temp) -> Bool { !isConst(t) && upperZero[Int(t.index)] }

    /// Whether `t`'s value is only in its memory home (no register holds it).
    @inline(__always) func onlyInMemory(_ t: Temp) -> Bool {
        let i = Int(t.index)
        return !isConst(t) && reg[i] == nil && inMemory[i]
    }

    /// `t`'s value is dead: forget its register and, for a private local, its stack slot.
    mutating func release(_ t: Temp) {
        let i = Int(t.index)
        guard !isConst(t) else { return }
        if let r = reg[i] {
            vacate(r)
            reg[i] = nil
        }
        if i < globalCount {
            // Overwritten before anything reads the CPU state again.
            inMemory[i] = true
        } else {
            inMemory[i] = false
            if !crossing[i], slot[i] >= 0 {
                freeSlots[freeSlotCount] = slot[i]
                freeSlotCount += 1
                slot[i] = -1
            }
        }
    }

    /// Ends the current op.
    @inline(__always) mutating func unlockAll() { locked = .empty }

    // MARK: Synchronisation with memory

    /// Writes every dirty global to the CPU state; registers keep their copies.
    mutating func syncGlobals(_ asm: inout X86Encoder) {
        guard dirtyGlobals.bits != 0 else { return }
        for r in Self.order.restricted(to: dirtyGlobals) {
            let t = owner[Int(r.rawValue)]
            asm.mov(width(t), home(t), r)
            inMemory[Int(t.index)] = true
        }
        dirtyGlobals = .empty
    }

    /// Writes one global back if its register copy is newer.
    mutating func syncGlobal(_ g: Int, _ asm: inout X86Encoder) {
        if let r = reg[g], !inMemory[g] {
            asm.mov(width(Temp(g)), home(Temp(g)), r)
            inMemory[g] = true
            dirtyGlobals.remove(r)
        }
    }

    /// Drops a global's register copy: the CPU state now holds its value.
    mutating func invalidateGlobal(_ g: Int) {
        if let r = reg[g] {
            vacate(r)
            reg[g] = nil
        }
        inMemory[g] = true
    }

    /// At a basic-block end: globals and crossing locals go to memory, where the next basic
    /// block expects them.
    mutating func syncBlockEnd(_ asm: inout X86Encoder) {
        for r in Self.order.restricted(to: occupied) {
            let t = owner[Int(r.rawValue)]
            if isGlobal(t) || crossing[Int(t.index)], !inMemory[Int(t.index)] {
                asm.mov(width(t), home(t), r)
                inMemory[Int(t.index)] = true
            }
        }
        dirtyGlobals = .empty
    }

    /// After a conditional branch, into a successor entered only from it: the registers that
    /// hold globals and locals live across basic blocks still hold them (written back, so
    /// clean); other locals are forgotten.
    mutating func forgetLocals() {
        for r in Self.order.restricted(to: occupied) {
            let t = owner[Int(r.rawValue)]
            if !isGlobal(t), !crossing[Int(t.index)] {
                reg[Int(t.index)] = nil
                vacate(r)
            }
        }
    }

    /// Writes which temps (globals and crossing locals) the registers hold, per register
    /// encoding, to `mapping[0..<16]`.
    @inline(__always) func saveGlobalRegisters(into mapping: UnsafeMutablePointer<Temp>) {
        for i in 0..<16 {
            let t = owner[i]
            mapping[i] = occupied.bits & (1 << UInt16(i)) != 0 && (isGlobal(t) || crossing[Int(t.index)]) ? t : .none
        }
    }

    /// Starts a basic block with `mapping` (from `saveGlobalRegisters` at its only predecessor).
    mutating func restore(_ mapping: UnsafeMutablePointer<Temp>) {
        forgetRegisters()
        for r in Self.order where !mapping[Int(r.rawValue)].isNone {
            let t = mapping[Int(r.rawValue)]
            assign(r, t)
            reg[Int(t.index)] = r
            inMemory[Int(t.index)] = true
        }
    }

    /// After a basic-block end: no register holds anything.
    mutating func forgetRegisters() {
        for r in Self.order.restricted(to: occupied) {
            reg[Int(owner[Int(r.rawValue)].index)] = nil
            owner[Int(r.rawValue)] = .none
        }
        occupied = .empty
        dirtyGlobals = .empty
    }

    /// Before a helper call: caller-saved registers are emptied, their temps moved to free
    /// callee-saved registers or spilled.
    mutating func evictCallerSaved(_ asm: inout X86Encoder) {
        for r in Self.order where Self.callerSaved.contains(r) {
            evict(r, &asm, preferring: Self.calleeSavedOrder)
        }
    }
}
