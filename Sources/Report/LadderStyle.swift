/// How each outcome is drawn in the ladder: a colour, and for readers who cannot tell colours
/// apart (and for printouts) a dash pattern, a line width, a word and an arrow end of its own.
enum LadderStyle {
    static func colour(_ outcome: StepOutcome) -> String {
        switch outcome {
        case .delivered: return "#1b7837"
        case .dropped: return "#c51b1b"
        case .lost: return "#8c510a"
        case .icmp: return "#d95f02"
        case .handshake: return "#2c5fa8"
        case .keepalive: return "#6a51a3"
        case .cookie: return "#b8860b"
        case .config: return "#555555"
        }
    }

    /// `stroke-dasharray`, "none" for a solid line.
    static func dashes(_ outcome: StepOutcome) -> String {
        switch outcome {
        case .delivered, .config: return "none"
        case .dropped: return "7 3"
        case .lost: return "2 3"
        case .icmp: return "8 2 2 2"
        case .handshake: return "none"
        case .keepalive: return "1 3"
        case .cookie: return "5 2 1 2"
        }
    }

    static func width(_ outcome: StepOutcome) -> Double {
        switch outcome {
        case .handshake: return 2.5
        case .config: return 1
        default: return 1.6
        }
    }

    /// The word the legend and the text ladder use.
    static func word(_ outcome: StepOutcome) -> String {
        switch outcome {
        case .delivered: return "delivered / passed on"
        case .dropped: return "dropped (reason in the label)"
        case .lost: return "lost on the link"
        case .icmp: return "ICMP back to the sender"
        case .handshake: return "handshake message"
        case .keepalive: return "keepalive"
        case .cookie: return "cookie reply"
        case .config: return "configuration"
        }
    }

    /// The ladder's style sheet: each outcome's line (colour, width, dashes), set by class so
    /// that thousands of arrows do not repeat it.
    static var css: String {
        StepOutcome.allCases.map { outcome in
            "svg.ladder path.outcome-\(outcome.rawValue){fill:none;stroke:\(colour(outcome));stroke-width:\(Markup.number(width(outcome)))"
                + (dashes(outcome) == "none" ? "" : ";stroke-dasharray:\(dashes(outcome))") + "}"
        }.joined(separator: "\n")
    }

    /// The marker id at the arrow's end: a cross for a packet that went no further.
    static func marker(_ outcome: StepOutcome) -> String {
        outcome.endsInCross ? "url(#ladder-cross-\(outcome.rawValue))" : "url(#ladder-head-\(outcome.rawValue))"
    }
}
