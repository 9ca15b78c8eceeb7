@testable import WireGuard

/// Hex helpers for the known-answer tests.
func bytes(hex: String) -> [UInt8] {
    let chars = Array(hex.utf8.filter { $0 != UInt8(ascii: " ") })
    var out = [UInt8]()
    var i = 0
    while i + 1 < chars.count {
        func nibble(_ c: UInt8) -> UInt8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            default: return c - UInt8(ascii: "A") + 10
            }
        }
        out.append(nibble(chars[i]) << 4 | nibble(chars[i + 1]))
        i += 2
    }
    return out
}

func hex(_ b: [UInt8]) -> String { hexString(b) }

/// `count` bytes counting up from `start` (00 01 02 … style test keys).
func sequence(from start: UInt8, count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: Int(start) + $0) }
}
