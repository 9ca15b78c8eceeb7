import WireGuard

/// What a link does with one datagram.
enum LinkVerdict: Equatable {
    case deliver(after: Int64)
    case lost
    case down
    case tooBig(mtu: Int)
}

/// The underlay between nodes: one link per pair that exchanges datagrams, either declared by
/// the scenario or created on first use from the default shared segment. Each link draws its
/// loss and jitter from its own stream, `SeededRandom(seed, "link:A-B")` with the two node names
/// in sorted order, so traffic on one link never perturbs another.
struct Underlay {
    struct Link {
        var properties: LinkProperties
        var random: SeededRandom
        let label: String
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
        let first = min(names[a], names[b]), second = max(names[a], names[b])
        let label = "link:\(first)-\(second)"
        links.append(Link(properties: defaults, random: SeededRandom(seed: seed, label: label), label: label))
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

    /// Decides one datagram's fate: down links and oversize packets drop it without a draw;
    /// otherwise a loss draw (only when loss > 0), then a jitter draw (only when jitter > 0).
    mutating func transit(link index: Int, size: Int) -> LinkVerdict {
        let properties = links[index].properties
        guard properties.up else { return .down }
        guard size <= properties.mtu else { return .tooBig(mtu: properties.mtu) }
        if properties.loss > 0 {
            let draw = Double(links[index].random.next() >> 11) * 0x1p-53
            if draw < properties.loss { return .lost }
        }
        var delay = properties.latency
        if properties.jitter > 0 {
            // The draw is the same as `next() % (2 × jitter + 1) − jitter`; the sum saturates
            // instead of overflowing, for a latency or jitter no loader would let through.
            let (doubled, overflow) = UInt64(properties.jitter).multipliedReportingOverflow(by: 2)
            let span = overflow ? UInt64.max : doubled + 1
            let draw = links[index].random.next() % span
            let offset = draw >= UInt64(properties.jitter)
                ? Int64(clamping: draw - UInt64(properties.jitter))
                : -Int64(UInt64(properties.jitter) - draw)
            delay = delay.addingSaturated(offset)
        }
        return .deliver(after: max(0, delay))
    }
}
