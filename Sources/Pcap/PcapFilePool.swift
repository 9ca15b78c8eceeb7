/// A bound on the capture files open at once, shared by the `PcapWriter`s of one run: a writer
/// takes a slot before it opens its file, and when every slot is taken the least recently used
/// writer's file is closed (that writer reopens it for appending at its next flush). A run with
/// 100,000 nodes (200,000 interfaces) so stays far below the descriptor limit.
///
/// The pool holds its writers weakly: a writer dropped without `close()` still runs its `deinit`
/// (which flushes), and leaves the pool as it goes.
public final class PcapFilePool {
    private let limit: Int
    /// Writers holding an open file, least recently used first.
    private var open: [WeakWriter] = []

    private struct WeakWriter {
        weak var writer: PcapWriter?
    }

    /// `limit` files at most (at least one).
    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Takes a slot for `writer`, which is about to open its file; closes the least recently
    /// used other file when the pool is full.
    func acquire(_ writer: PcapWriter) {
        release(writer)
        open.removeAll { $0.writer == nil }
        if open.count >= limit {
            open.removeFirst().writer?.closeDescriptor()
        }
        open.append(WeakWriter(writer: writer))
    }

    /// Marks `writer`'s file as the most recently used.
    func touch(_ writer: PcapWriter) {
        guard open.last?.writer !== writer else { return }
        release(writer)
        open.append(WeakWriter(writer: writer))
    }

    /// Gives up `writer`'s slot (its file is closed or about to be).
    func release(_ writer: PcapWriter) {
        if let position = open.lastIndex(where: { $0.writer === writer }) { open.remove(at: position) }
    }
}
