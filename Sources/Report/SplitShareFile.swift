import Routing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A problem with one of the files a split run's processes leave for process 0 (the report's
/// shares, SplitReportShare.swift): which file and what went wrong, in words.
public struct SplitShareError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }

    package init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// A binary file written through stdio in little-endian fields, buffered; only processes of the
/// same build read what another wrote (`SplitShareReader`). Also what a process's results
/// (`SplitRunShare`, Scenario) are written with.
package final class SplitShareWriter {
    package let path: String
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: [UInt8] = []
    private var failure: SplitShareError?
    private var closed = false

    package init(path: String) throws {
        guard let file = fopen(path, "wb") else {
            throw SplitShareError(path: path, reason: "cannot be created (errno \(errno))")
        }
        self.path = path
        self.file = file
        buffer.reserveCapacity(1 << 16)
    }

    deinit { if !closed { fclose(file) } }

    package func byte(_ value: UInt8) { buffer.append(value) }

    package func int(_ value: Int64) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
        if buffer.count >= 1 << 16 { flush() }
    }

    package func bytes(_ value: [UInt8]) {
        int(Int64(value.count))
        buffer.append(contentsOf: value)
        if buffer.count >= 1 << 16 { flush() }
    }

    package func string(_ value: String) { bytes(Array(value.utf8)) }

    package func optionalString(_ value: String?) {
        byte(value == nil ? 0 : 1)
        if let value { string(value) }
    }

    package func prefix(_ value: IPPrefix) {
        bytes(value.address.bytes)
        byte(UInt8(value.length))
    }

    package func optionalPrefix(_ value: IPPrefix?) {
        byte(value == nil ? 0 : 1)
        if let value { prefix(value) }
    }

    private func flush() {
        guard !buffer.isEmpty else { return }
        if failure == nil, buffer.withUnsafeBytes({ fwrite($0.baseAddress, 1, $0.count, file) }) != buffer.count {
            failure = SplitShareError(path: path, reason: "short write (errno \(errno))")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and closes the file; throws the first write error.
    package func close() throws {
        if !closed {
            flush()
            closed = true
            if fclose(file) != 0, failure == nil { failure = SplitShareError(path: path, reason: "close failed (errno \(errno))") }
        }
        if let failure { throw failure }
    }
}

/// Reads what a `SplitShareWriter` wrote, field by field; a file that ends early or holds a
/// field that cannot be is an error naming the file.
package final class SplitShareReader {
    package let path: String
    private let file: UnsafeMutablePointer<FILE>
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0
    private var end = 0

    package init(path: String) throws {
        guard let file = fopen(path, "rb") else {
            throw SplitShareError(path: path, reason: "cannot be read (errno \(errno))")
        }
        self.path = path
        self.file = file
    }

    deinit { fclose(file) }

    /// Whether every byte has been read.
    package var atEnd: Bool {
        if start < end { return false }
        refill()
        return start >= end
    }

    private func refill() {
        if start > 0 {
            buffer.replaceSubrange(0..<(end - start), with: buffer[start..<end])
            end -= start
            start = 0
        }
        let count = buffer.count - end
        guard count > 0 else { return }
        let read = buffer.withUnsafeMutableBytes { fread($0.baseAddress! + end, 1, count, file) }
        end += read
    }

    private func need(_ count: Int) throws {
        if end - start >= count { return }
        if count > buffer.count { buffer += [UInt8](repeating: 0, count: count - buffer.count) }
        refill()
        guard end - start >= count else { throw SplitShareError(path: path, reason: "ends inside a record") }
    }

    package func byte() throws -> UInt8 {
        try need(1)
        defer { start += 1 }
        return buffer[start]
    }

    package func int() throws -> Int64 {
        try need(8)
        defer { start += 8 }
        return buffer.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: start, as: Int64.self)) }
    }

    /// A count or index: not negative, at most `limit`.
    package func count(atMost limit: Int = Int(Int32.max)) throws -> Int {
        let value = try int()
        guard value >= 0, value <= Int64(limit) else { throw SplitShareError(path: path, reason: "holds a count out of range (\(value))") }
        return Int(value)
    }

    package func bytes() throws -> [UInt8] {
        let count = try count(atMost: 1 << 30)
        try need(count)
        defer { start += count }
        return Array(buffer[start..<start + count])
    }

    package func string() throws -> String { String(decoding: try bytes(), as: UTF8.self) }

    package func optionalString() throws -> String? { try byte() == 0 ? nil : try string() }

    package func prefix() throws -> IPPrefix {
        let address = try bytes(), length = Int(try byte())
        guard let ip = IPAddress(bytes: address), let prefix = try? IPPrefix(address: ip, length: length) else {
            throw SplitShareError(path: path, reason: "holds a prefix that cannot be")
        }
        return prefix
    }

    package func optionalPrefix() throws -> IPPrefix? { try byte() == 0 ? nil : try prefix() }
}
