import Packet

/// One fixed-width byte field of a handshake-phase message: where it sits on the wire and which
/// property holds it. Each message lists its fields once, and both its parser and its writer
/// follow that list, so an offset or a width is never written twice.
struct ByteField<Message> {
    let property: WritableKeyPath<Message, [UInt8]>
    let offset: Int
    let width: Int

    init(_ property: WritableKeyPath<Message, [UInt8]>, at offset: Int, width: Int) {
        self.property = property
        self.offset = offset
        self.width = width
    }
}

/// A 32-bit little-endian index field (sender or receiver index) of a handshake-phase message.
struct IndexField<Message> {
    let property: WritableKeyPath<Message, UInt32>
    let offset: Int

    init(_ property: WritableKeyPath<Message, UInt32>, at offset: Int) {
        self.property = property
        self.offset = offset
    }
}

/// A handshake-phase message laid out by its field lists: its parser and its writer are the
/// ones below, shared by the three message types, and follow those lists.
protocol ByteFieldLayout {
    static var messageType: MessageType { get }
    static var length: Int { get }
    static var indexFields: [IndexField<Self>] { get }
    static var byteFields: [ByteField<Self>] { get }
    /// Every index zero and every byte field empty: what parsing starts from.
    static var blank: Self { get }
}

extension ByteFieldLayout {
    /// Parses exactly `length` bytes of `messageType` with zero reserved bytes.
    static func parse(_ message: [UInt8]) throws -> Self {
        try checkMessage(message, is: messageType)
        var parsed = blank
        for field in indexFields { parsed[keyPath: field.property] = readLE32(message, field.offset) }
        parsed.readByteFields(from: message)
        return parsed
    }

    /// The `length` wire bytes. Byte fields of the wrong length are truncated or zero-filled to
    /// fit, so the output always has the exact size.
    var wireBytes: [UInt8] {
        var b = messageBuffer(Self.messageType, length: Self.length)
        for field in Self.indexFields { writeLE32(self[keyPath: field.property], into: &b, at: field.offset) }
        writeByteFields(into: &b)
        return b
    }

    /// Copies every byte field out of `message`, which the caller has checked is the full length.
    mutating func readByteFields(from message: [UInt8]) {
        for field in Self.byteFields {
            self[keyPath: field.property] = Array(message[field.offset..<(field.offset + field.width)])
        }
    }

    /// Writes every byte field into `buffer`, each truncated or zero-filled to its width, so the
    /// output always has the exact size.
    func writeByteFields(into buffer: inout [UInt8]) {
        for field in Self.byteFields {
            let value = self[keyPath: field.property]
            for i in 0..<min(field.width, value.count) { buffer[field.offset + i] = value[i] }
        }
    }
}
