import Routing

/// Linux's routing policy database (`ip rule`): before any route is looked up, the rules are
/// tried in order of priority; the first rule whose selector matches the packet names the table
/// to consult, and when that table has no route (or the rule suppresses the one found) the next
/// rule is tried (net/core/fib_rules.c `fib_rules_lookup`; net/ipv4/fib_rules.c
/// `fib4_rule_action`, `fib4_rule_suppress`).
///
/// The simulator keeps the rules wg-quick adds for a full tunnel and the kernel's defaults. The
/// only selector modelled is the firewall mark, the only one wg-quick uses.
public struct PolicyRule: Hashable, Sendable, CustomStringConvertible {
    /// `ip rule` priority; lower is tried first.
    public var priority: Int
    /// The mark the rule compares with the packet's (`fwmark M`), nil for `from all`.
    public var fwmark: UInt32?
    /// `not`: the rule applies to packets whose mark is *not* `fwmark`.
    public var inverted: Bool
    /// The table consulted (`RouteTableID`).
    public var table: Int
    /// `suppress_prefixlength N`: a route found whose prefix is N bits or shorter is ignored.
    public var suppressPrefixLength: Int?

    public init(priority: Int, fwmark: UInt32? = nil, inverted: Bool = false, table: Int,
                suppressPrefixLength: Int? = nil) {
        self.priority = priority
        self.fwmark = fwmark
        self.inverted = inverted
        self.table = table
        self.suppressPrefixLength = suppressPrefixLength
    }

    /// Whether a packet with firewall mark `mark` matches the selector.
    func matches(mark: UInt32) -> Bool {
        guard let fwmark else { return !inverted }
        return (mark == fwmark) != inverted
    }

    /// The rule as `ip rule` lists it: `32765:\tnot from all fwmark 0xca6c lookup 51820`.
    public var description: String {
        var text = "\(priority):\t\(inverted ? "not " : "")from all"
        if let fwmark { text += " fwmark 0x" + String(fwmark, radix: 16) }
        text += " lookup \(RouteTableID.name(table))"
        if let suppressPrefixLength { text += " suppress_prefixlength \(suppressPrefixLength)" }
        return text
    }
}

/// The kernel's reserved table numbers (include/uapi/linux/rtnetlink.h `rt_class_t`) and their
/// names in /etc/iproute2/rt_tables.
public enum RouteTableID {
    public static let local = 255
    public static let main = 254
    public static let `default` = 253

    /// `local`, `main`, `default`, or the number.
    public static func name(_ table: Int) -> String {
        switch table {
        case local: return "local"
        case main: return "main"
        case `default`: return "default"
        default: return String(table)
        }
    }

    /// A route's table as `RouteSpec` keeps it (nil for main) as a number.
    static func of(_ spec: RouteSpec) -> Int { spec.table ?? main }
}

/// One family's rule list.
struct PolicyRuleList: Equatable {
    /// In priority order (rules of equal priority in the order they were added).
    private(set) var rules: [PolicyRule]

    /// The kernel's default IPv4 rules (net/ipv4/fib_rules.c `fib_default_rules_init`):
    /// local at 0, main at 32766, default at 32767.
    static let defaultIPv4 = PolicyRuleList(rules: [
        PolicyRule(priority: 0, table: RouteTableID.local),
        PolicyRule(priority: 32766, table: RouteTableID.main),
        PolicyRule(priority: 32767, table: RouteTableID.default),
    ])

    /// The kernel's default IPv6 rules (net/ipv6/fib6_rules.c `fib6_rules_net_init`): local at 0
    /// and main at 32766; IPv6 has no `default` table rule.
    static let defaultIPv6 = PolicyRuleList(rules: [
        PolicyRule(priority: 0, table: RouteTableID.local),
        PolicyRule(priority: 32766, table: RouteTableID.main),
    ])

    /// `ip rule add …` without a priority: the kernel gives it one less than the priority of the
    /// rule after the first one, i.e. just before every rule but `lookup local`
    /// (net/core/fib_rules.c `fib_default_rule_pref`), so wg-quick's two rules become 32765 and
    /// then 32764.
    mutating func add(_ rule: PolicyRule) {
        var added = rule
        if rules.count >= 2, rules[0].priority == 0, rules[1].priority > 0 {
            added.priority = rules[1].priority - 1
        } else {
            added.priority = 0
        }
        let position = rules.firstIndex { $0.priority > added.priority } ?? rules.count
        rules.insert(added, at: position)
    }
}

/// Why a rule did not give the route, as an explanation lists it.
public enum PolicyRuleOutcome: Equatable, Sendable {
    /// The packet's mark does not match the selector.
    case selectorMismatch
    /// The `local` table: only the host's own addresses, which the caller has ruled out.
    case notLocal
    /// The table has no route for the destination.
    case noRoute
    /// The table's route was ignored (`suppress_prefixlength`).
    case suppressed(RouteSpec)
    /// The rule's table gave this route.
    case chose(RouteSpec)
}

/// The rules and tables consulted for one destination and mark, in order, ending with the rule
/// that chose (if any).
public struct PolicyRouteTrace: Sendable {
    public var mark: UInt32
    public var steps: [(rule: PolicyRule, outcome: PolicyRuleOutcome)]

    /// The route chosen, nil when every rule passed.
    public var chosen: RouteSpec? {
        if case .chose(let route)? = steps.last?.outcome { return route }
        return nil
    }

    /// The rule whose table gave the route.
    public var choosingRule: PolicyRule? { chosen == nil ? nil : steps.last?.rule }
}

/// How a wg-quick `Table =` setting routes the allowed IPs (wg-quick(8) `add_route`).
public enum WgQuickTable: Hashable, Sendable, CustomStringConvertible {
    /// `auto` (the default): routes in the main table, a `/0` by policy routing.
    case auto
    /// `off`: no routes for allowed IPs.
    case off
    /// A table number: every allowed IP is routed in it, and no rule is added.
    case number(Int)

    /// `off`, `auto`, `main`, `default`, `local` or a table number 1–4294967295 (what `ip route add
    /// … table T` takes), or nil.
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "auto": self = .auto
        case "off": self = .off
        case "main": self = .number(RouteTableID.main)
        case "default": self = .number(RouteTableID.default)
        case "local": self = .number(RouteTableID.local)
        default:
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = UInt32(text), n > 0 else {
                return nil
            }
            self = .number(Int(n))
        }
    }

    public var description: String {
        switch self {
        case .auto: return "auto"
        case .off: return "off"
        case .number(let n): return RouteTableID.name(n)
        }
    }
}

/// wg(8)'s firewall mark: `off` or 0 means none; otherwise a decimal number, or hexadecimal after
/// a lower-case `0x` (config.c `parse_fwmark`).
public enum FirewallMark {
    /// The mark, 0 for `off`; nil when the text is not one.
    public static func parse(_ text: String) -> UInt32? {
        if text.lowercased() == "off" { return 0 }
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        if text.hasPrefix("0x"), text.utf8.count > 2 {
            let digits = text.dropFirst(2)
            guard digits.utf8.allSatisfy({ isDigit($0) || (65...70).contains($0) || (97...102).contains($0) }) else {
                return nil
            }
            return UInt32(digits, radix: 16)
        }
        guard !text.isEmpty, text.utf8.allSatisfy(isDigit) else { return nil }
        return UInt32(text)
    }
}
