import Packet
import Routing
import WireGuard

/// Writes a decision as its JSON line (decisions.jsonl, keys in the fixed order of
/// docs/decision-log.md, absent fields left out) and its text line (decisions.txt) together. Every
/// piece the two lines share — the time, the packet's addresses and length, the numbers, the
/// explanation — is formatted once into a scratch buffer and copied into both; strings are
/// JSON-escaped only where they contain something to escape. A log writer keeps one composer
/// for its whole run: it remembers the last time's text, which consecutive decisions often share.
final class DecisionLineComposer {
    /// This decision's shared pieces.
    let scratch = ByteBuffer(capacity: 1024)
    /// The last time written: `t` in nanoseconds (for JSON), then in seconds (for text).
    let timeText = ByteBuffer(capacity: 64)
    /// Which time `timeText` holds, behind a pointer: a class's `var`s would cost a runtime
    /// exclusivity check per access, per decision.
    let time: UnsafeMutablePointer<(t: Int64, isSet: Bool, jsonCount: Int)>

    /// An inner packet's pieces of `scratch`, and its header when it has one; and the packet's
    /// whole part of each line, keys and all, as pieces of `packetText` (nil: no packet).
    typealias PacketPieces = (source: BufferPiece?, destination: BufferPiece?, proto: BufferPiece,
                                      length: BufferPiece, header: IPHeaderView?,
                                      lines: (json: BufferPiece, text: BufferPiece)?)

    /// The last packet whose pieces `packetText` holds (see `packetPieces`).
    private struct PacketCache {
        var packet: [UInt8]?
        var storage: (UnsafePointer<UInt8>?, Int)?
        /// How many bytes at the start of `packetText` are the pieces (copied into `scratch`).
        var piecesCount = 0
    }
    private let packetCache: UnsafeMutablePointer<PacketCache>
    /// That packet's pieces, handed out by pointer: returning the tuple (~200 bytes) copied it
    /// per decision.
    private let cachedPieces: UnsafeMutablePointer<PacketPieces>

    private let packetText = ByteBuffer(capacity: 128)
    /// A packet's pieces and parts with its length's marker, while a line template is made.
    let markerPacketText = ByteBuffer(capacity: 128)
    let markerPieces: UnsafeMutablePointer<PacketPieces>
    /// Every action's name as bytes, looked up by case rather than built as a String per line.
    let actionNames = ActionNameBytes.shared
    /// The IPv4 addresses, prefixes and endpoints already written, by value.
    let fields = FieldTextCache()
    /// Node, trace-file and peer names as bytes.
    let nameSlots = LogNameSlots()
    /// The data packets' line templates.
    let templates = DecisionLineTemplates()
    /// Where each field of a templated line is this record (`appendFromTemplate`), by
    /// `LineTemplateHole` raw value.
    let holeTexts: UnsafeMutablePointer<(start: UnsafePointer<UInt8>, count: Int)>
    /// A templated record's length, counter and frame digits (`appendFromTemplate`), each in a
    /// slot of `fieldDigitsStride` bytes; 16 bytes are readable from each slot's start (all zeroed
    /// when made), so a field is copied by one 16-byte move.
    let fieldDigits: UnsafeMutablePointer<UInt8>
    /// Room for any Int or UInt64 in decimal (20 bytes), and more.
    static let fieldDigitsStride = 24
    /// How many records were written from a template (for tests), behind a pointer as `time`.
    let templated: UnsafeMutablePointer<Int>
    var linesFromTemplates: Int { templated.pointee }
    /// Each `LineTemplateHole`'s marker, in the order of their raw values from 1, two bytes each
    /// (the time's and the packet's texts are read from here while a template is made).
    private let markerText: ByteBuffer = {
        let buffer = ByteBuffer(capacity: 64)
        for raw in 1...LineTemplateHole.frame.rawValue {
            buffer.append(LineTemplateHole.markerByte)
            buffer.append(LineTemplateHole(rawValue: raw)!.letter)
        }
        return buffer
    }()

    /// Whether data packets' lines are written from templates (`DecisionLineTemplates`).
    private let usesTemplates: Bool

    /// `lineTemplates: false` for a composer that writes a line or two and goes (the templates'
    /// table would be made for nothing): every line is then composed field by field.
    init(lineTemplates: Bool = true) {
        usesTemplates = lineTemplates
        holeTexts = .allocate(capacity: LineTemplateHole.allCases.count)
        fieldDigits = .allocate(capacity: 3 * Self.fieldDigitsStride + 16)
        fieldDigits.initialize(repeating: 0, count: 3 * Self.fieldDigitsStride + 16)
        templated = .allocate(capacity: 1)
        templated.initialize(to: 0)
        time = .allocate(capacity: 1)
        time.initialize(to: (0, false, 0))
        packetCache = .allocate(capacity: 1)
        packetCache.initialize(to: PacketCache())
        cachedPieces = .allocate(capacity: 1)
        cachedPieces.initialize(to: (nil, nil, BufferPiece(), BufferPiece(), nil, nil))
        markerPieces = .allocate(capacity: 1)
        markerPieces.initialize(to: (nil, nil, BufferPiece(), BufferPiece(), nil, nil))
    }

    deinit {
        holeTexts.deallocate()
        fieldDigits.deallocate()
        templated.deallocate()
        time.deinitialize(count: 1)
        time.deallocate()
        packetCache.deinitialize(count: 1)
        packetCache.deallocate()
        cachedPieces.deinitialize(count: 1)
        cachedPieces.deallocate()
        markerPieces.deinitialize(count: 1)
        markerPieces.deallocate()
    }

    /// Appends the record's JSON line to `json` and its text line to `text`, without newlines.
    ///
    /// A data packet's decision (sealed, decrypted, delivered, a route choice) is written from
    /// its line template when one is made (`DecisionLineTemplates`): the constant runs copied,
    /// the time, packet, counter, frame and addresses written between them. Anything else, and a
    /// template's first sight, is composed field by field (`composeLines`).
    func append(_ record: DecisionRecord, json: ByteBuffer, text: ByteBuffer) {
        scratch.removeAll()
        updateTime(record.t)
        if usesTemplates, let key = templateKey(record) {
            let (slot, isNew) = templates.slot(for: key.key, names: record.names)
            if slot.pointee.state == 2 {
                appendFromTemplate(slot, record, length: key.length, json: json, text: text)
                return
            }
            if !isNew && slot.pointee.state == 1 && makeTemplate(slot, record, json: json, text: text) {
                appendFromTemplate(slot, record, length: key.length, json: json, text: text)
                return
            }
        }
        composeLines(record, packetParts: packetPieces(record), packetText: packetText, peer: nameSlots.peerText(record),
                     json: json, text: text, markers: false)
    }

    /// Composes the record's lines field by field, the packet's parts from `packetText`. With
    /// `markers`, the time, counter and frame are written as their markers (`LineTemplateHole`;
    /// the caller's packet parts hold the length's).
    func composeLines(_ record: borrowing DecisionRecord, packetParts: UnsafePointer<PacketPieces>?,
                              packetText: ByteBuffer, peer: PeerText?, json: ByteBuffer, text: ByteBuffer, markers: Bool) {
        let source = packetParts?.pointee.source, destination = packetParts?.pointee.destination
        let header = packetParts?.pointee.header, packetLines = packetParts?.pointee.lines
        // Where the time's text is read from: the marker text when making a template.
        var timeBase = UnsafePointer(timeText.base), timeCount = timeText.count, jsonTimeCount = time.pointee.jsonCount
        let packetBase = UnsafePointer(packetText.base)
        if markers {
            timeBase = UnsafePointer(markerText.base) + 2 * Int(LineTemplateHole.jsonTime.rawValue - 1)
            jsonTimeCount = 2
            timeCount = 4
        }
        let peerIsPlain = peer?.isPlainJSON ?? true
        let candidates = record.candidateKeys.isEmpty ? [] : record.candidates
        var prefix: BufferPiece?, counter: BufferPiece?, receiverIndex: BufferPiece?, endpoint: BufferPiece?, frame: BufferPiece?
        // The text line prints an index as tshark does (`wg.sender`, `wg.receiver`: 0x and eight hex
        // digits), so that a log line and the packet in Wireshark read alike; JSON keeps the integer.
        var receiverIndexText: BufferPiece?
        if let value = record.prefix {
            let start = scratch.count
            fields.appendPrefix(value, to: scratch)
            prefix = piece(since: start)
        }
        if let value = record.counter {
            if markers {
                counter = marker(.counter)
            } else {
                let start = scratch.count
                ByteText.appendUnsigned(value, to: scratch)
                counter = piece(since: start)
            }
        }
        if let value = record.receiverIndex {
            do {
                let start = scratch.count
                fields.appendIndex(value, to: scratch)
                receiverIndex = piece(since: start)
            }
            do {
                let start = scratch.count
                fields.appendIndexAsTshark(value, to: scratch)
                receiverIndexText = piece(since: start)
            }
        }
        if let value = record.endpoint {
            let start = scratch.count
            fields.appendEndpoint(value, to: scratch)
            endpoint = piece(since: start)
        }
        // The trace frame is the packet context's number (no `TraceRef`, no file String copied).
        let traceOrigin = record.subject.context.origin
        if traceOrigin != 0 {
            if markers {
                frame = marker(.frame)
            } else {
                let start = scratch.count
                ByteText.appendInteger(record.subject.context.number, to: scratch)
                frame = piece(since: start)
            }
        }
        // The explanation, unescaped. JSON escapes it; the text line indents a multi-line note
        // under its decision, except a route choice's, which has always been written as is.
        // The words of a route choice or a per-packet reason are plain but for the names in
        // them, so those alone are checked.
        var whyIsIndented = true
        var whyIsPlain = false
        // What decided, told apart by case alone: binding the reason or the route (a payload of
        // the record's enum) copied the whole enum and destroyed the copy through the runtime's
        // generic paths, ~300 instructions per decision (docs/performance.md, session 10). The
        // three per-packet reasons carry nothing, so their value is made here; only the rarer
        // ones are read out of the record (`deviceReason`).
        var deviceReason: DecisionReason?
        var isRouteChoice = false
        var hasMoves = false
        switch record.decider {
        case .device(.sealed): deviceReason = .sealed
        case .device(.decrypted(let confirmsSession)): deviceReason = .decrypted(confirmsSession: confirmsSession)
        case .device(.delivered): deviceReason = .delivered
        case .device: deviceReason = record.deviceReason
        case .host(.chose): isRouteChoice = true
        case .configMoving: hasMoves = true
        default: break
        }
        let isPerPacket = deviceReason.map(DecisionRecord.isPerPacket) ?? false
        var whyNamesIndex = false
        var indexInWhy: BufferPiece?
        let why = piece {
            if isRouteChoice {
                whyIsIndented = false
                whyIsPlain = appendRouteChoice(of: record, destination: destination)
            } else if let reason = deviceReason {
                if isPerPacket { whyIsPlain = peerIsPlain && record.candidateKeys.isEmpty }
                var sink = DecisionScratchSink(out: scratch, peer: peer, names: record.names, header: header,
                                               source: source, destination: destination, prefix: prefix,
                                               counter: counter, receiverIndex: receiverIndex, endpoint: endpoint)
                DecisionText.write(reason, subject: record.subject, to: &sink)
                sink.finish()
                whyNamesIndex = sink.receiverIndexWrites > 0
                if sink.receiverIndexWrites == 1 { indexInWhy = sink.receiverIndexWritten }
            } else {
                appendWhy(of: record)
            }
        }
        let textHasWhy = why.count > 0 || isRouteChoice || isPerPacket
        // The few explanations that name the index ("opened under index …") have it in tshark's
        // form on the text line; the JSON's stay as they were. An index written once (every
        // transport packet's "decrypted") is replaced in a copy of the words; otherwise the words
        // are written again.
        var textWhy = why
        if let indexInWhy, let receiverIndexText {
            textWhy = piece {
                scratch.appendCopy(of: BufferPiece(start: why.start, count: indexInWhy.start - why.start))
                scratch.appendCopy(of: receiverIndexText)
                let rest = indexInWhy.start + indexInWhy.count
                scratch.appendCopy(of: BufferPiece(start: rest, count: why.start + why.count - rest))
            }
        } else if whyNamesIndex, let reason = deviceReason {
            textWhy = piece {
                appendWhy(reason, of: record, sink: DecisionScratchSink(
                    out: scratch, peer: peer, names: record.names, header: header, source: source,
                    destination: destination, prefix: prefix, counter: counter, receiverIndex: receiverIndexText,
                    endpoint: endpoint))
            }
        }

        scratch.reserve(16)   // so that any piece may be moved in 16-byte steps
        let base = UnsafePointer(scratch.base)
        let nodeSlot = nameSlots.textSlot(record.names.nodeNames[Int(record.nodeIndex)])
        let fileSlot = traceOrigin == 0 ? nil : nameSlots.fileSlot(origin: traceOrigin, of: record.names)
        let action = actionNames.bytes(of: record.action)
        assert(time.pointee.isSet && jsonTimeCount <= timeCount, "the time's text is written")
        // Room for either line, generously: every piece is in `scratch` or `packetText` (and each
        // is written once per line), a string escaped for JSON is at most six times as long, the
        // literals and a 16-byte move's overrun take less than 512.
        let strings = nodeSlot.pointee.count + (fileSlot?.pointee.count ?? 0) + (peer?.count ?? 0) + packetText.count + 8
        let room = 512 + timeCount + action.count + 6 * (scratch.count + strings)

        // {"t":…,"node":…,"iface":…,"dir":…,"src":…,"dst":…,"proto":…,"len":…,"action":…,"peer":…,
        // "prefix":…,"candidates":[{"prefix":…,"peer":…}],"counter":…,"receiver-index":…,
        // "endpoint":…,"trace":{"file":…,"frame":…},"moved-from":[{"prefix":…,"peer":…}],"why":…}
        var c = json.cursor(reserving: room)
        c.appendLiteral(#"{"t":"#)
        c.appendPadded(timeBase, count: jsonTimeCount)
        c.appendLiteral(#","node":"#); nameSlots.appendJSONString(nodeSlot, to: &c)
        c.appendLiteral(#","iface":"#)
        switch record.iface {
        case .wg0: c.appendLiteral(#""wg0""#)
        case .eth0: c.appendLiteral(#""eth0""#)
        case .other(let name): withBuffer(json, cursor: &c, room: room) { ByteText.appendJSONString(name, to: json) }
        case nil: c.appendLiteral(#""none""#)
        }
        if let dir = record.dir { if dir == .tx { c.appendLiteral(#","dir":"tx""#) } else { c.appendLiteral(#","dir":"rx""#) } }
        if let packetLines { c.appendPiece(packetLines.json, of: packetBase) }
        c.appendLiteral(#","action":""#); c.appendPadded(action.start, count: action.count); c.append(0x22)
        if let peer, let bytes = peer.bytes {
            c.appendLiteral(#","peer":""#)
            if peer.isPlainJSON {
                c.appendPadded(bytes, count: peer.count)
            } else {
                withBuffer(json, cursor: &c, room: room) {
                    ByteText.appendJSONEscaped(UnsafeBufferPointer(start: bytes, count: peer.count), to: json)
                }
            }
            c.append(0x22)
        }
        if let prefix { c.appendLiteral(#","prefix":""#); c.appendPiece(prefix, of: base); c.append(0x22) }
        if !candidates.isEmpty {
            withBuffer(json, cursor: &c, room: room) { Self.appendJSONEntries(#","candidates":["#, candidates, to: json) }
        }
        if let counter { c.appendLiteral(#","counter":"#); c.appendPiece(counter, of: base) }
        if let receiverIndex { c.appendLiteral(#","receiver-index":"#); c.appendPiece(receiverIndex, of: base) }
        if let endpoint { c.appendLiteral(#","endpoint":""#); c.appendPiece(endpoint, of: base); c.append(0x22) }
        if let fileSlot, let frame {
            c.appendLiteral(#","trace":{"file":"#); nameSlots.appendJSONString(fileSlot, to: &c)
            c.appendLiteral(#","frame":"#); c.appendPiece(frame, of: base); c.append(0x7D)
        }
        if hasMoves, case let movedFrom = record.movedFrom, !movedFrom.isEmpty {
            withBuffer(json, cursor: &c, room: room) { Self.appendJSONEntries(#","moved-from":["#, movedFrom, to: json) }
        }
        c.appendLiteral(#","why":""#)
        if whyIsPlain {
            c.appendPiece(why, of: base)
        } else {
            withBuffer(json, cursor: &c, room: room) {
                ByteText.appendJSONEscaped(UnsafeBufferPointer(start: base + why.start, count: why.count), to: json)
            }
        }
        c.appendLiteral(#""}"#)
        json.commit(c)

        // 12.000000500 server wg0 tx encrypted icmp 192.168.0.1 > 192.168.32.19 len 84 peer EFGH
        // prefix 192.168.32.19/32 (also 192.168.32.0/24 ABCD) counter 3 endpoint …: why
        c = text.cursor(reserving: room)
        c.appendPadded(timeBase + jsonTimeCount, count: timeCount - jsonTimeCount)
        c.append(0x20); nameSlots.appendBytes(of: nodeSlot, to: &c)
        switch record.iface {
        case .wg0: c.appendLiteral(" wg0")
        case .eth0: c.appendLiteral(" eth0")
        case .other(let name): c.append(0x20); withBuffer(text, cursor: &c, room: room) { text.append(name) }
        case nil: c.appendLiteral(" none")
        }
        if let dir = record.dir { if dir == .tx { c.appendLiteral(" tx") } else { c.appendLiteral(" rx") } }
        c.append(0x20); c.appendPadded(action.start, count: action.count)
        if let packetLines { c.appendPiece(packetLines.text, of: packetBase) }
        if let peer, let bytes = peer.bytes { c.appendLiteral(" peer "); c.appendPadded(bytes, count: peer.count) }
        if let prefix { c.appendLiteral(" prefix "); c.appendPiece(prefix, of: base) }
        if !candidates.isEmpty { withBuffer(text, cursor: &c, room: room) { Self.appendTextCandidates(candidates, to: text) } }
        if let counter { c.appendLiteral(" counter "); c.appendPiece(counter, of: base) }
        if let receiverIndexText { c.appendLiteral(" receiver-index "); c.appendPiece(receiverIndexText, of: base) }
        if let endpoint { c.appendLiteral(" endpoint "); c.appendPiece(endpoint, of: base) }
        if let fileSlot, let frame {
            c.appendLiteral(" ["); nameSlots.appendBytes(of: fileSlot, to: &c)
            c.appendLiteral(" #"); c.appendPiece(frame, of: base); c.append(0x5D)
        }
        if textHasWhy {
            c.appendLiteral(": ")
            if whyIsIndented && !whyIsPlain {
                withBuffer(text, cursor: &c, room: room) {
                    ByteText.appendIndented(UnsafeBufferPointer(start: base + textWhy.start, count: textWhy.count), to: text)
                }
            } else {
                c.appendPiece(textWhy, of: base)
            }
        }
        text.commit(c)
    }

    /// Runs `write`, which appends to `buffer` through its own methods (a rare part of a line),
    /// between committing `cursor` and taking it again with `room` reserved.
    @inline(__always)
    private func withBuffer(_ buffer: ByteBuffer, cursor: inout ByteCursor, room: Int, _ write: () -> Void) {
        buffer.commit(cursor)
        write()
        cursor = buffer.cursor(reserving: room)
    }

    /// The inner packet's src, dst, proto and len pieces, written first in `scratch`, and its
    /// header. The previous record's are reused when this record carries the same packet (the
    /// same array storage): a packet is routed then sealed, opened then delivered, so decisions
    /// about one packet come in pairs. The cache holds that array, so its storage cannot be
    /// freed and reused for other bytes, nor written in place, while it is compared against.
    /// nil when the record has no packet; the pieces stay valid until the next record.
    private func packetPieces(_ record: DecisionRecord) -> UnsafePointer<PacketPieces>? {
        let storage = record.packet?.withUnsafeBufferPointer { ($0.baseAddress, $0.count) }
        if let storage, let cached = packetCache.pointee.storage, storage.0 == cached.0, storage.1 == cached.1 {
            scratch.appendExact(UnsafePointer(packetText.base), count: packetCache.pointee.piecesCount)
            return UnsafePointer(cachedPieces)
        }
        guard let packet = record.packet else { return nil }
        let piecesCount = formatPacket(packet, into: packetText, pieces: cachedPieces, lengthMarker: false)
        // Field by field: assigning the whole struct went through its outlined copy and destroy.
        packetCache.pointee.packet = packet
        packetCache.pointee.storage = storage
        packetCache.pointee.piecesCount = piecesCount
        return UnsafePointer(cachedPieces)
    }

    /// The bytes written to `scratch` since `start`, as a piece (the per-field pieces are made
    /// so, not through a closure: each closure was a call of its own, ~35 instructions a piece).
    @inline(__always)
    func piece(since start: Int) -> BufferPiece { BufferPiece(start: start, count: scratch.count - start) }

    /// Formats one piece at the end of `scratch`.
    @inline(__always)
    func piece(_ write: () -> Void) -> BufferPiece {
        let start = scratch.count
        write()
        return BufferPiece(start: start, count: scratch.count - start)
    }

    private func updateTime(_ t: Int64) {
        guard !time.pointee.isSet || time.pointee.t != t else { return }
        timeText.removeAll()
        ByteText.appendInteger(t, to: timeText)
        let jsonCount = timeText.count
        ByteText.appendSeconds(t, to: timeText)
        time.pointee = (t, true, jsonCount)
    }
}

extension ByteCursor {
    /// A piece of the composer's scratch buffer at `base` (16 readable bytes behind every piece).
    @inline(__always)
    mutating func appendPiece(_ piece: BufferPiece, of base: UnsafePointer<UInt8>) {
        appendPadded(base + piece.start, count: piece.count)
    }
}
