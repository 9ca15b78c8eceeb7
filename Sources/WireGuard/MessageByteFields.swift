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

/// A message whose byte fields are laid out by a `ByteField` list (the 32-bit indices, read and
/// written by `readLE32`/`writeLE32`, stay with each message).
protocol ByteFieldLayout {
    static var byteFields: [ByteField<Self>] { get }
}

extension ByteFieldLayout {
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
