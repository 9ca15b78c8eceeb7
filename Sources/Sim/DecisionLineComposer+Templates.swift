import Packet
import WireGuard

/// The line-template path of `DecisionLineComposer`: the key a data packet's decision is
/// templated under, making a template from lines composed with markers for the varying fields,
/// and writing a record's lines from its template (docs/performance.md, "line templates").
/// Kept apart from the field-by-field composing so each reads in one sitting; the words are
/// still written only by `composeLines`.
extension DecisionLineComposer {
    /// The marker of `hole` at the end of `scratch`, as a piece.
    func marker(_ hole: LineTemplateHole) -> BufferPiece {
        let start = scratch.count
        scratch.append(LineTemplateHole.markerByte)
        scratch.append(hole.letter)
        return piece(since: start)
    }

    /// The key of the record's line template, and the packet's length; nil for a record whose
    /// lines are always composed field by field: not a data packet's decision, not an IPv4 packet
    /// the log reads, other candidates, an IPv6 prefix or endpoint, another interface. Trivial
    /// values only: a String in the answer cost an outlined destroy per record (~100 instructions).
    @inline(__always)
    func templateKey(_ record: borrowing DecisionRecord) -> (key: LineTemplateKey, length: Int)? {
        let kind: UInt64
        switch record.decider {
        case .device(.sealed): kind = 1
        case .device(.decrypted(let confirmsSession)): kind = confirmsSession ? 3 : 2
        case .device(.delivered): kind = 4
        case .host(.chose): kind = 5
        default: return nil
        }
        // An IPv4 packet whose header the log reads (`loggedFields`): its addresses and protocol
        // are keyed, its length is a field.
        guard let header = record.packet.flatMap({ IPHeaderView($0) }), header.isIPv4, header.declaredLengthFits,
              case .v4(let source) = header.source, case .v4(let destination) = header.destination,
              record.candidateKeys.isEmpty else { return nil }
        let iface: UInt64
        switch record.iface {
        case .wg0: iface = 1
        case .eth0: iface = 2
        case nil: iface = 3
        case .other: return nil
        }
        let dir: UInt64 = record.dir.map { $0 == .tx ? 1 : 2 } ?? 0
        var key = LineTemplateKey()
        key.w0 = UInt64(UInt32(bitPattern: record.nodeIndex)) | iface << 32 | dir << 36 | kind << 40
            | UInt64(header.protocolNumber) << 52
        // The action by its position, not its name's address: a heap address would change the
        // hash, and so which keys share a set, from one run to the next.
        key.w1 = UInt64(actionNames.position(of: record.action))
        key.w9 = UInt64(source.value) << 32 | UInt64(destination.value)
        if record.counter != nil { key.w0 |= 1 << 48 }
        if let peer = record.peerKey {
            // Every key is 32 bytes (`PublicKey` checks it).
            let loaded = peer.bytes.withUnsafeBytes { raw -> (UInt64, UInt64, UInt64, UInt64)? in
                raw.count == 32 ? (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                                   raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                                   raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)) : nil
            }
            guard let loaded else { return nil }
            key.w0 |= 1 << 49
            (key.w2, key.w3, key.w4, key.w5) = loaded
        }
        if let prefix = record.prefix {
            guard case .v4(let address) = prefix.address, prefix.length >= 0 && prefix.length <= 32 else { return nil }
            key.w6 = 1 << 40 | UInt64(prefix.length) << 32 | UInt64(address.value)
        }
        if let index = record.receiverIndex { key.w7 = 1 << 48 | UInt64(index) }
        if let endpoint = record.endpoint {
            guard case .v4(let address) = endpoint.address else { return nil }
            key.w7 |= 1 << 49 | UInt64(endpoint.port) << 32
            key.w8 = UInt64(address.value)
        }
        key.w8 |= UInt64(record.subject.context.origin) << 32
        guard kind == 5 else { return (key, header.declaredLength) }
        guard key.w0 & (1 << 49) == 0, key.w6 == 0, key.w7 == 0, let route = routeKey(record, key) else { return nil }
        return (route, header.declaredLength)
    }

    /// A route choice's key: `key` with its route (prefix, via, device) added; nil for a route
    /// with a metric, a table or IPv6 parts.
    @inline(never)
    func routeKey(_ record: borrowing DecisionRecord, _ key: LineTemplateKey) -> LineTemplateKey? {
        guard case .host(.chose(let route)) = record.decider, route.metric == nil, route.table == nil,
              case .v4(let address) = route.prefix.address, route.prefix.length >= 0 && route.prefix.length <= 32 else { return nil }
        var key = key
        key.w6 = 1 << 40 | UInt64(route.prefix.length) << 32 | UInt64(address.value)
        if let via = route.via {
            guard case .v4(let hop) = via else { return nil }
            key.w7 = 1 << 48 | UInt64(hop.value)
        }
        // Equal words are the same text while the template keeps the String (`LogNameSlots`).
        let words = unsafeBitCast(route.device, to: (UInt64, UInt64).self)
        key.w2 = words.0
        key.w3 = words.1
        return key
    }

    /// Makes `slot`'s template from the record's lines composed with markers (written at the
    /// end of `json` and `text`, then removed); false if it could not be made (the slot is then
    /// never tried again for its key). `scratch` is empty.
    @inline(never)
    func makeTemplate(_ slot: UnsafeMutablePointer<DecisionLineTemplates.Slot>, _ record: borrowing DecisionRecord,
                              json: ByteBuffer, text: ByteBuffer) -> Bool {
        let jsonStart = json.count, textStart = text.count
        guard let packet = record.packet else { return false }
        _ = formatPacket(packet, into: markerPacketText, pieces: markerPieces, lengthMarker: true)
        composeLines(record, packetParts: UnsafePointer(markerPieces), packetText: markerPacketText,
                     peer: nameSlots.peerText(record), json: json, text: text, markers: true)
        let made = templates.make(slot, json: UnsafeBufferPointer(start: json.base + jsonStart, count: json.count - jsonStart),
                                  text: UnsafeBufferPointer(start: text.base + textStart, count: text.count - textStart),
                                  device: record.explainedRoute?.device)
        json.removeLast(from: jsonStart)
        text.removeLast(from: textStart)
        scratch.removeAll()
        if !made { slot.pointee.state = 3 }
        return made
    }

    /// Writes the record's lines from its template: the constant runs and, between them, the
    /// time, the packet's length, the counter and the frame.
    func appendFromTemplate(_ slot: UnsafeMutablePointer<DecisionLineTemplates.Slot>, _ record: borrowing DecisionRecord,
                                    length: Int, json: ByteBuffer, text: ByteBuffer) {
        templated.pointee += 1
        // The fields' digits go into their own slots (`fieldDigits`), not `scratch`: no room or
        // count to check and update per number.
        let digits = UnsafeMutableRawPointer(fieldDigits)
        let lengthCount = ByteText.writeSmall(length, at: digits)
        let counterCount = record.counter.map { ByteText.writeSmall($0, at: digits + Self.fieldDigitsStride) } ?? 0
        let context = record.subject.context
        let frameCount = context.origin == 0 ? 0 : ByteText.writeSmall(context.number, at: digits + 2 * Self.fieldDigitsStride)
        let jsonOps = Int(slot.pointee.jsonOps), allOps = jsonOps + Int(slot.pointee.textOps)
        let storage = slot.pointee.storage!
        let ops = UnsafePointer(storage.assumingMemoryBound(to: DecisionLineTemplates.Op.self))
        let constants = UnsafePointer((storage + allOps * MemoryLayout<DecisionLineTemplates.Op>.stride)
            .assumingMemoryBound(to: UInt8.self))
        let timeBase = UnsafePointer(timeText.base), timeCount = timeText.count, jsonTimeCount = time.pointee.jsonCount
        // Every field is one of these texts (a number at most 20 bytes); each op moves up to 32
        // bytes past what it counts.
        let room = Int(slot.pointee.constantCount) + allOps * (48 + timeCount + Self.fieldDigitsStride)

        // Each field's text by `LineTemplateHole` raw value, so that an op is two copies and no
        // branch on its field (`end` copies nothing).
        holeTexts[Int(LineTemplateHole.end.rawValue)] = (constants, 0)
        holeTexts[Int(LineTemplateHole.jsonTime.rawValue)] = (timeBase, jsonTimeCount)
        holeTexts[Int(LineTemplateHole.textTime.rawValue)] = (timeBase + jsonTimeCount, timeCount - jsonTimeCount)
        let fields = UnsafePointer(fieldDigits)
        holeTexts[Int(LineTemplateHole.length.rawValue)] = (fields, lengthCount)
        holeTexts[Int(LineTemplateHole.counter.rawValue)] = (fields + Self.fieldDigitsStride, counterCount)
        holeTexts[Int(LineTemplateHole.frame.rawValue)] = (fields + 2 * Self.fieldDigitsStride, frameCount)
        let holes = UnsafePointer(holeTexts)
        // The fields are at most 16 bytes each except in very long runs (a time past 10^6 s, a
        // counter or frame past 10^16); then each is one 16-byte move, not a loop (~5
        // instructions an op).
        let holesAreShort = max(jsonTimeCount, timeCount - jsonTimeCount, lengthCount, counterCount, frameCount) <= 16

        @inline(__always)
        func writeLine(_ range: Range<Int>, to buffer: ByteBuffer) {
            var c = buffer.cursor(reserving: room)
            if holesAreShort {
                for i in range {
                    let op = ops[i]
                    c.appendPadded32(constants + Int(op.start), count: Int(op.count))
                    let hole = holes[Int(op.hole.rawValue)]
                    c.appendShort(hole.start, count: hole.count)
                }
            } else {
                for i in range {
                    let op = ops[i]
                    c.appendPadded32(constants + Int(op.start), count: Int(op.count))
                    let hole = holes[Int(op.hole.rawValue)]
                    c.appendPadded(hole.start, count: hole.count)
                }
            }
            buffer.commit(c)
        }
        writeLine(0..<jsonOps, to: json)
        writeLine(jsonOps..<allOps, to: text)
    }
}
