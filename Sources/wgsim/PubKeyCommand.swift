import ArgumentParser
import WireGuard
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `wgsim pubkey`: reads a base64 private key on standard input and prints its public key,
/// byte-compatible with `wg pubkey`.
struct PubKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pubkey",
        abstract: "Read a private key (base64) on standard input; print its public key, like `wg pubkey`.")

    func run() throws {
        let input = readStandardInput(limit: 4096)
        let text = String(decoding: input, as: UTF8.self).trimmingWhitespace
        guard let key = try? PrivateKey(base64: text) else {
            FileHandleOutput.standardError(
                "wgsim pubkey: standard input: expected one base64-encoded 32-byte private key (44 characters), "
                + "got \(input.count) bytes\n")
            throw badInputExit
        }
        FileHandleOutput.standardOutput(key.publicKey.base64 + "\n")
    }

    /// Reads standard input to its end, or up to `limit` bytes.
    private func readStandardInput(limit: Int) -> [UInt8] {
        var bytes = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 1024)
        while bytes.count < limit {
            let n = fread(&buffer, 1, buffer.count, stdin)
            if n <= 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return bytes
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and line breaks.
    var trimmingWhitespace: String {
        String(drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed())
    }
}
