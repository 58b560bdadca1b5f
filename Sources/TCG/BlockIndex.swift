/// From block key (guest pc, in system mode with translation flags) to block number: an
/// open-addressing hash table in plain memory. The execution loop looks a block up on every
/// unchained exit and every translation adds one; a Swift dictionary spent more of a program's
/// start-up on hashing, uniqueness checks and growth than on the lookups themselves.
struct BlockIndex {
    /// Key and value side by side: a lookup that misses the cache misses it once.
    private struct Slot {
        var key: UInt64
        /// Negative: the slot is empty.
        var value: Int32
    }

    private var slots: UnsafeMutablePointer<Slot>
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 1 << 12) {
        let size = max(16, capacity).nextPowerOfTwo
        slots = .allocate(capacity: size)
        slots.initialize(repeating: Slot(key: 0, value: -1), count: size)
        mask = size - 1
    }

    /// Frees the table's memory; the index is not used again.
    func deallocate() {
        slots.deallocate()
    }

    /// Keys are code addresses: their low bits vary most, their high bits hardly at all.
    @inline(__always)
    private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
    }

    @inline(__always)
    subscript(key: UInt64) -> Int32? {
        var i = BlockIndex.slot(key, mask)
        while true {
            let slot = slots[i]
            if slot.value < 0 { return nil }
            if slot.key == key { return slot.value }
            i = (i + 1) & mask
        }
    }

    /// Maps `key` to `value` (a block number, not negative), replacing what it mapped to.
    mutating func set(_ key: UInt64, _ value: Int32) {
        if 2 * (count + 1) > mask + 1 { grow() }
        var i = BlockIndex.slot(key, mask)
        while slots[i].value >= 0 {
            if slots[i].key == key {
                slots[i].value = value
                return
            }
            i = (i + 1) & mask
        }
        slots[i] = Slot(key: key, value: value)
        count += 1
    }

    mutating func removeAll() {
        slots.update(repeating: Slot(key: 0, value: -1), count: mask + 1)
        count = 0
    }

    @inline(never)
    private mutating func grow() {
        let (old, oldSize) = (slots, mask + 1)
        slots = .allocate(capacity: 2 * oldSize)
        slots.initialize(repeating: Slot(key: 0, value: -1), count: 2 * oldSize)
        mask = 2 * oldSize - 1
        count = 0
        for i in 0..<oldSize where old[i].value >= 0 { set(old[i].key, old[i].value) }
        old.deallocate()
    }
}

private extension Int {
    var nextPowerOfTwo: Int { self <= 1 ? 1 : 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount) }
}
