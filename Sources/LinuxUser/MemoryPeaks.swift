/// The guest's resident high-water mark (VmHWM). Linux raises its record just before it
/// drops pages (munmap, mremap, brk, madvise, a fixed mmap over a mapping, shmdt) and shows
/// the larger of the record and the resident size now; Mimic does the same with the guest's
/// resident size (from its smaps figures). Measuring that reads the host's smaps, so it is
/// done only once the pages about to go since the last measurement reach `sampleStep`: the
/// record may then fall short of Linux's by less than that.
extension LinuxProcess {
    static let residentSampleStep: UInt64 = 1 << 20

    /// [start, end) is about to lose its pages (callers hold the address-space lock).
    func willRelease(_ start: UInt64, _ end: UInt64) {
        space.releasedResidentBytes += space.residentBytes(start, end)
        guard space.releasedResidentBytes >= LinuxProcess.residentSampleStep else { return }
        space.releasedResidentBytes = 0
        guard let resident = try? guestMemoryUsage().residentBytes else { return }
        space.residentPeakBytes = max(space.residentPeakBytes, resident)
    }
}
