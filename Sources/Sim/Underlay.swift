import Routing
import WireGuard

/// What a link does with one datagram.
enum LinkVerdict: Equatable {
    case deliver(after: Int64)
    case lost
    case down
    case tooBig(mtu: Int)
}

/// The underlay between nodes: one link per pair that exchanges datagrams, either declared by
/// the scenario or created on first use from the default shared segment. Each direction of a link
/// draws its loss and jitter from its own stream, `SeededRandom(seed, "link:FROM-TO")` (the
/// sender's name first), so traffic on one link never perturbs another, and the draws for what a
/// node sends depend only on that node's own sending: a run split over MPI ranks, where the two
/// ends of a link may live in different processes, draws exactly what one process draws.
///
/// A link keeps its two streams apart from itself and makes them at its first draw: a hub's links
/// to its clients mostly have neither loss nor jitter and never draw (two BLAKE2s and 64 bytes
/// saved per pair that exchanged a datagram); the label that names it is made when a decision
/// needs it.
struct Underlay {
    struct Link {
        var properties: LinkProperties
        /// The node index of the end whose name sorts first, and of the other end.
        let first: Int32
        let second: Int32
        /// Where the link's two random streams are in `streams`, once made (-1: not yet).
        var streams: Int32 = -1
    }

    /// A link's draws for datagrams sent by its `first` end, and by the other.
    private struct LinkStreams {
        var fromFirst: SeededRandom
        var fromSecond: SeededRandom
    }

    private(set) var links: [Link] = []
    private var streams: [LinkStreams] = []
    /// Each link's position in `links`, by its ends (`LinkPairKey`); every datagram looks its
    /// link up here (a `[UInt64: Int]` dictionary spent about 140 instructions a lookup on SipHash
    /// and its probe, this about 40).
    private var byPair = PositionTable()
    private let seed: UInt64
    private let names: [String]
    private let defaults: LinkProperties

    init(seed: UInt64, nodeNames: [String], defaults: LinkProperties = .sharedSegment) {
        self.seed = seed
        self.names = nodeNames
        self.defaults = defaults
    }

    /// The link between two nodes (by index), created from the shared segment if not yet used.
    mutating func link(_ a: Int, _ b: Int) -> Int {
        let key = LinkPairKey(a, b)
        if let existing = byPair.position(of: key, keyAt: { LinkPairKey(links[$0]) }) { return existing }
        let (first, second) = names[a] <= names[b] ? (a, b) : (b, a)
        links.append(Link(properties: defaults, first: Int32(truncatingIfNeeded: first), second: Int32(truncatingIfNeeded: second)))
        let all = links
        byPair.insert(all.count - 1, key: key) { LinkPairKey(all[$0]) }
        return all.count - 1
    }

    /// `link:A-B`, the two names in sorted order: how decisions name link `index`.
    func label(_ index: Int) -> String {
        "link:\(names[Int(links[index].first)])-\(names[Int(links[index].second)])"
    }

    /// The position of link `index`'s streams, made now if this is its first draw: each
    /// direction's stream is `SeededRandom(seed, "link:FROM-TO")`, whenever it is made.
    private mutating func streamsOf(_ index: Int) -> Int {
        if links[index].streams >= 0 { return Int(links[index].streams) }
        let first = names[Int(links[index].first)], second = names[Int(links[index].second)]
        streams.append(LinkStreams(fromFirst: SeededRandom(seed: seed, label: "link:\(first)-\(second)"),
                                   fromSecond: SeededRandom(seed: seed, label: "link:\(second)-\(first)")))
        links[index].streams = Int32(truncatingIfNeeded: streams.count - 1)
        return streams.count - 1
    }

    mutating func set(_ a: Int, _ b: Int, properties: LinkProperties) {
        let index = link(a, b)
        links[index].properties = properties
    }

    mutating func change(_ a: Int, _ b: Int, _ change: LinkChange) {
        let index = link(a, b)
        change.apply(to: &links[index].properties)
    }

    func properties(_ a: Int, _ b: Int) -> LinkProperties {
        byPair.position(of: LinkPairKey(a, b)) { LinkPairKey(links[$0]) }.map { links[$0].properties } ?? defaults
    }

    /// Decides the fate of one datagram `sender` (a node index, one end of the link) sends: down
    /// links and oversize packets drop it without a draw; otherwise a loss draw (only when
    /// loss > 0), then a jitter draw (only when jitter > 0), from the sender's stream.
    mutating func transit(link index: Int, from sender: Int, size: Int) -> LinkVerdict {
        let properties = links[index].properties
        guard properties.up else { return .down }
        guard size <= properties.mtu else { return .tooBig(mtu: properties.mtu) }
        guard properties.loss > 0 || properties.jitter > 0 else { return .deliver(after: max(0, properties.latency)) }
        let at = streamsOf(index)
        if sender == Int(links[index].first) {
            return Self.transit(properties, random: &streams[at].fromFirst)
        }
        return Self.transit(properties, random: &streams[at].fromSecond)
    }

    /// The draws of a link that is up and carries the datagram's size.
    private static func transit(_ properties: LinkProperties, random: inout SeededRandom) -> LinkVerdict {
        if properties.loss > 0 {
            let draw = Double(random.next() >> 11) * 0x1p-53
            if draw < properties.loss { return .lost }
        }
        var delay = properties.latency
        if properties.jitter > 0 {
            // The draw is the same as `next() % (2 × jitter + 1) − jitter`; the sum saturates
            // instead of overflowing, for a latency or jitter no loader would let through.
            let (doubled, overflow) = UInt64(properties.jitter).multipliedReportingOverflow(by: 2)
            let span = overflow ? UInt64.max : doubled + 1
            let draw = random.next() % span
            let offset = draw >= UInt64(properties.jitter)
                ? Int64(clamping: draw - UInt64(properties.jitter))
                : -Int64(UInt64(properties.jitter) - draw)
            delay = delay.addingSaturated(offset)
        }
        return .deliver(after: max(0, delay))
    }
}

/// A link's two ends (node indexes, either order) as `Underlay` finds the link by: the lower
/// index in the high 32 bits, hashed by `SaltedMix` for a `PositionTable`.
struct LinkPairKey: Hashable {
    let bits: UInt64

    init(_ a: Int, _ b: Int) { bits = UInt64(min(a, b)) << 32 | UInt64(max(a, b)) }

    init(_ link: Underlay.Link) { self.init(Int(link.first), Int(link.second)) }

    static func == (a: LinkPairKey, b: LinkPairKey) -> Bool { a.bits == b.bits }

    func hash(into hasher: inout Hasher) { hasher.combine(SaltedMix.mixed(bits)) }

    /// What `hashValue` (which `PositionTable` reads) returns: the mixed bits, without SipHash.
    @inline(__always)
    func _rawHashValue(seed: Int) -> Int { SaltedMix.mixed(bits) ^ seed }
}
