// libyaml itself, which Yams is built on (its C module ships inside the Yams package).
import CYaml

/// The shape of a YAML document, checked on libyaml's event stream before Yams composes a tree:
/// how deeply lists and mappings nest, and how many values aliases add.
///
/// Why here and not on the tree: Yams composes recursively (one Swift call per nesting level),
/// so 100,000 nested `[` overflow the stack before any tree exists; and an alias costs Yams
/// nothing (it shares the anchored node) but is copied when the tree becomes `YAMLNode`s, so
/// nine anchors of nine aliases each — a few hundred bytes — would become hundreds of millions
/// of nodes. libyaml's parser is not recursive (it keeps its own stacks), so reading its events
/// with an explicit stack is safe at any depth, and the counts are exact: an alias counts as
/// the whole subtree it stands for, nested where it is used.
///
/// A syntax error ends the check silently: Yams then meets the same error at the same place,
/// within the depth already checked, and reports it with its usual message.
enum YAMLShapeCheck {
    /// The deepest nesting of lists and mappings accepted (a scenario needs about eight).
    static let maxDepth = 64
    /// The most values (scalars, lists and mappings) that aliases may add to a file in all.
    static let maxAliasNodes = 100_000

    /// A subtree as the tree will hold it: its nodes counted with aliases expanded, and the
    /// lists and mappings on its longest path.
    private struct Shape {
        var nodes: Int
        var height: Int
    }

    /// A list or mapping whose end has not been read yet.
    private struct Open {
        var anchor: String?
        var nodes = 1
        var childHeight = 0
    }

    static func check(_ text: String, file: String) throws {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        var text = text
        try text.withUTF8 { bytes in
            yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)
            try readEvents(&parser, file: file)
        }
    }

    private static func readEvents(_ parser: inout yaml_parser_t, file: String) throws {
        var open: [Open] = []
        var anchors: [String: Shape] = [:]
        var aliasNodes = 0
        var event = yaml_event_t()

        func add(_ shape: Shape) {
            guard !open.isEmpty else { return }
            open[open.count - 1].nodes += shape.nodes
            open[open.count - 1].childHeight = max(open[open.count - 1].childHeight, shape.height)
        }
        func anchorName(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: $0) }
        }

        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else { return }
            defer { yaml_event_delete(&event) }
            let line = Int(event.start_mark.line) + 1
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return
            case YAML_DOCUMENT_START_EVENT:
                anchors = [:]
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                guard open.count < maxDepth else {
                    throw ScenarioError(file: file, line: line, "lists and mappings are nested more than \(maxDepth) levels deep here; "
                                        + "a scenario needs only a few levels")
                }
                let anchor = event.type == YAML_SEQUENCE_START_EVENT
                    ? anchorName(event.data.sequence_start.anchor) : anchorName(event.data.mapping_start.anchor)
                open.append(Open(anchor: anchor))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let done = open.popLast() else { break }
                let shape = Shape(nodes: done.nodes, height: done.childHeight + 1)
                if let anchor = done.anchor { anchors[anchor] = shape }
                add(shape)
            case YAML_SCALAR_EVENT:
                let shape = Shape(nodes: 1, height: 0)
                if let anchor = anchorName(event.data.scalar.anchor) { anchors[anchor] = shape }
                add(shape)
            case YAML_ALIAS_EVENT:
                let name = anchorName(event.data.alias.anchor) ?? ""
                // An undefined alias is Yams' to report ("found undefined alias").
                let shape = anchors[name] ?? Shape(nodes: 1, height: 0)
                aliasNodes += shape.nodes
                guard aliasNodes <= maxAliasNodes else {
                    throw ScenarioError(file: file, line: line, "the aliases up to '*\(name)' here stand for more than "
                                        + "\(maxAliasNodes) values in all; aliases that multiply like this "
                                        + "(a \"billion laughs\") are refused")
                }
                guard open.count + shape.height <= maxDepth else {
                    throw ScenarioError(file: file, line: line, "the alias '*\(name)' puts lists and mappings more than "
                                        + "\(maxDepth) levels deep here; a scenario needs only a few levels")
                }
                add(shape)
            default:
                break
            }
        }
    }
}
