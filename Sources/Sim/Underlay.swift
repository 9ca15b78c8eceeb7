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
struct Underlay {
    struct Link {
        var properties: LinkProperties
        /// Draws for datagrams sent by the end whose name sorts first (`first`), and by the other.
        var fromFirst: SeededRandom
        var fromSecond: SeededRandom
        /// `link:A-B`, the two names in sorted order: how decisions name the link.
        let label: String
        /// The node index of the end whose name sorts first.
        let first: Int
    }

    private(set) var links: [Link] = []
    private var byPair: [UInt64: Int] = [:]
    private let seed: UInt64
    private let names: [String]
    private let defaults: LinkProperties

    init(seed: UInt64, nodeNames: [String], defaults: LinkProperties = .sharedSegment) {
        self.seed = seed
        self.names = nodeNames
        self.defaults = defaults
    }

    private static func pairKey(_ a: Int, _ b: Int) -> UInt64 {
        UInt64(min(a, b)) << 32 | UInt64(max(a, b))
    }

    /// The link between two nodes (by index), created from the shared segment if not yet used.
    mutating func link(_ a: Int, _ b: Int) -> Int {
        let key = Self.pairKey(a, b)
        if let existing = byPair[key] { return existing }
        let (first, second) = names[a] <= names[b] ? (a, b) : (b, a)
        let label = "link:\(names[first])-\(names[second])"
        links.append(Link(properties: defaults, fromFirst: SeededRandom(seed: seed, label: label),
                          fromSecond: SeededRandom(seed: seed, label: "link:\(names[second])-\(names[first])"),
                          label: label, first: first))
        byPair[key] = links.count - 1
        return links.count - 1
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
        byPair[Self.pairKey(a, b)].map { links[$0].properties } ?? defaults
    }

    /// Decides the fate of one datagram `sender` (a node index, one end of the link) sends: down
    /// links and oversize packets drop it without a draw; otherwise a loss draw (only when
    /// loss > 0), then a jitter draw (only when jitter > 0), from the sender's stream.
    mutating func transit(link index: Int, from sender: Int, size: Int) -> LinkVerdict {
        if sender == links[index].first {
            return Self.transit(links[index].properties, size: size, random: &links[index].fromFirst)
        }
        return Self.transit(links[index].properties, size: size, random: &links[index].fromSecond)
    }

    private static func transit(_ properties: LinkProperties, size: Int, random: inout SeededRandom) -> LinkVerdict {
        guard properties.up else { return .down }
        guard size <= properties.mtu else { return .tooBig(mtu: properties.mtu) }
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
