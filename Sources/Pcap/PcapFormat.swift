import Packet

/// The classic pcap encoding every writer here shares: the nanosecond magic (0xa1b23c4d),
/// version 2.4 and every field little-endian on every host, so the same packets give
/// byte-identical files everywhere (golden files). `PcapWriter` stores its headers through it.
public enum PcapFormat {
    /// Snapshot length written in the file header; no record may be longer.
    public static let snapshotLength: UInt32 = 262_144
    public static let fileHeaderLength = 24
    public static let recordHeaderLength = 16

    /// Whether a time stamp (nanoseconds since the epoch) fits a record's unsigned 32-bit seconds.
    @inlinable
    public static func timestampFits(_ timestamp: Int64) -> Bool {
        timestamp >= 0 && timestamp / 1_000_000_000 <= Int64(UInt32.max)
    }

    /// Stores the 24-byte file header at `out`: magic, version 2.4, thiszone 0, sigfigs 0,
    /// snapshot length, link type (e.g. 101, LINKTYPE_RAW).
    @inlinable
    public static func storeFileHeader(linkType: UInt32, at out: UnsafeMutableRawPointer) {
        storeLE32(0xa1b2_3c4d, out, at: 0)
        storeLE16(2, out, at: 4)
        storeLE16(4, out, at: 6)
        storeLE32(0, out, at: 8)
        storeLE32(0, out, at: 12)
        storeLE32(snapshotLength, out, at: 16)
        storeLE32(linkType, out, at: 20)
    }

    /// Stores the 16-byte record header at `out`: seconds, nanoseconds, captured and original
    /// length (both `length`). The caller has checked `timestampFits` and the snapshot length.
    @inlinable
    public static func storeRecordHeader(timestamp: Int64, length: Int, at out: UnsafeMutableRawPointer) {
        storeLE32(UInt32(truncatingIfNeeded: timestamp / 1_000_000_000), out, at: 0)
        storeLE32(UInt32(truncatingIfNeeded: timestamp % 1_000_000_000), out, at: 4)
        storeLE32(UInt32(truncatingIfNeeded: length), out, at: 8)
        storeLE32(UInt32(truncatingIfNeeded: length), out, at: 12)
    }
}
