import CAllocator

/// How the process asks the C allocator for memory, set once by an executable at its start.
public enum MallocSettings {
    /// Fixes glibc's mmap threshold at its initial 128 KiB (`mallopt(M_MMAP_THRESHOLD)`), so
    /// that every block of 128 KiB or more is its own mapping, given back whole when freed.
    ///
    /// Why: left alone, glibc raises the threshold to the size of each mapped block freed (up
    /// to 32 MiB). A large run frees big arrays early (a hub's configured peer list, as the
    /// simulation takes it) and from then on puts blocks up to that size on the heap, where the
    /// holes they leave when they grow or go stay resident: peak RSS at 100k peers moved by
    /// ~15 MB with changes that freed memory earlier. Fixed, it is lower and steady
    /// (docs/performance.md, "Session 8: a fixed mmap threshold"). Memory layout only: no
    /// output byte depends on it.
    /// Returns whether the allocator took the setting (false where there is no such setting).
    @discardableResult
    public static func fixMmapThreshold() -> Bool {
        wgsim_fix_mmap_threshold() == 1
    }
}
