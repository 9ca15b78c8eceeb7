import WireGuard

/// The three ways `wgsim lint` writes its findings: text lines, JSON lines, SARIF 2.1.0.
public enum LintOutput {
    /// `FILE:LINE: severity: rule: message (fix: …)`, then `  related FILE:LINE` when two places collide.
    public static func text(_ findings: [LintFinding]) -> String {
        findings.map { f in
            "\(f.location.file):\(f.location.line): \(f.severity.rawValue): \(f.rule): \(f.message) (fix: \(f.fix))\n"
                + (f.related.map { "  related \($0.file):\($0.line)\n" } ?? "")
        }.joined()
    }

    /// One JSON object a line, keys `rule`, `severity`, `file`, `line`, `message`, `fix` and,
    /// where two places collide, `related` (`{"file":…,"line":…}`).
    public static func jsonLines(_ findings: [LintFinding]) -> String {
        findings.map { f in
            var fields = ["\"rule\":\(jsonString(f.rule))", "\"severity\":\(jsonString(f.severity.rawValue))",
                          "\"file\":\(jsonString(f.location.file))", "\"line\":\(f.location.line)",
                          "\"message\":\(jsonString(f.message))", "\"fix\":\(jsonString(f.fix))"]
            if let r = f.related { fields.append("\"related\":{\"file\":\(jsonString(r.file)),\"line\":\(r.line)}") }
            return "{" + fields.joined(separator: ",") + "}\n"
        }.joined()
    }

    /// A SARIF 2.1.0 log with one run: the tool and every rule it has, then one result per
    /// finding (`error`, `warning`, `note`), its place and the related one.
    public static func sarif(_ findings: [LintFinding]) -> String {
        func location(_ l: SourceLocation, id: Int? = nil) -> String {
            (id.map { "{\"id\":\($0),\"physicalLocation\"" } ?? "{\"physicalLocation\"")
                + ":{\"artifactLocation\":{\"uri\":\(jsonString(uri(l.file)))},\"region\":{\"startLine\":\(max(1, l.line))}}}"
        }
        let rules = LintRule.all.map {
            "{\"id\":\(jsonString($0.id)),\"shortDescription\":{\"text\":\(jsonString($0.summary))},"
                + "\"defaultConfiguration\":{\"level\":\(jsonString(level($0.severity)))}}"
        }
        let results = findings.map { f in
            var s = "{\"ruleId\":\(jsonString(f.rule)),\"ruleIndex\":\(LintRule.all.firstIndex { $0.id == f.rule } ?? 0),"
                + "\"level\":\(jsonString(level(f.severity))),\"message\":{\"text\":\(jsonString(f.message + " (fix: " + f.fix + ")"))},"
                + "\"locations\":[\(location(f.location))]"
            if let r = f.related { s += ",\"relatedLocations\":[\(location(r, id: 0))]" }
            return s + "}"
        }
        return "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{"
            + "\"name\":\"wgsim lint\","
            + "\"rules\":[" + rules.joined(separator: ",") + "]}},"
            + "\"results\":[" + results.joined(separator: ",") + "]}]}\n"
    }

    static func level(_ severity: LintSeverity) -> String {
        switch severity {
        case .error: return "error"
        case .warning: return "warning"
        case .info: return "note"
        }
    }

    /// A relative URI reference for a path: the characters a URI does not allow are %-escaped.
    static func uri(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if byte < 0x80, c.isLetter || c.isNumber || "-._~/".contains(c) { out.append(c) } else {
                let h = String(byte, radix: 16, uppercase: true)
                out += "%" + (h.count == 1 ? "0" + h : h)
            }
        }
        return out
    }
}
