/// The classic pcap encoding every writer here shares: the nanosecond magic (0xa1b23c4d),
/// version 2.4 and every field little-endian on every host, so the same packets give
/// byte-identical files everywhere (golden files). `PcapWriter` and the simulator's capture
/// sinks both store their headers through it.
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
        out.storeBytes(of: UInt32(0xa1b2_3c4d).littleEndian, toByteOffset: 0, as: UInt32.self)
        out.storeBytes(of: UInt16(2).littleEndian, toByteOffset: 4, as: UInt16.self)
        out.storeBytes(of: UInt16(4).littleEndian, toByteOffset: 6, as: UInt16.self)
        out.storeBytes(of: UInt32(0), toByteOffset: 8, as: UInt32.self)
        out.storeBytes(of: UInt32(0), toByteOffset: 12, as: UInt32.self)
        out.storeBytes(of: snapshotLength.littleEndian, toByteOffset: 16, as: UInt32.self)
        out.storeBytes(of: linkType.littleEndian, toByteOffset: 20, as: UInt32.self)
    }

    /// Stores the 16-byte record header at `out`: seconds, nanoseconds, captured and original
    /// length (both `length`). The caller has checked `timestampFits` and the snapshot length.
    @inlinable
    public static func storeRecordHeader(timestamp: Int64, length: Int, at out: UnsafeMutableRawPointer) {
        out.storeBytes(of: UInt32(truncatingIfNeeded: timestamp / 1_000_000_000).littleEndian, toByteOffset: 0, as: UInt32.self)
        out.storeBytes(of: UInt32(truncatingIfNeeded: timestamp % 1_000_000_000).littleEndian, toByteOffset: 4, as: UInt32.self)
        out.storeBytes(of: UInt32(truncatingIfNeeded: length).littleEndian, toByteOffset: 8, as: UInt32.self)
        out.storeBytes(of: UInt32(truncatingIfNeeded: length).littleEndian, toByteOffset: 12, as: UInt32.self)
    }
}
