import EaselCore

/// Splits a SQL file into single statements.
///
/// PostgresNIO speaks only the extended query protocol, which takes one statement at a time, so a
/// migration file is split here. Semicolons inside quotes, quoted identifiers, dollar-quoted
/// bodies (`$$ ... $$`, `$tag$ ... $tag$`) and comments do not end a statement.
public enum SQLScript {
    public static func statements(in script: String) -> [String] {
        let chars = Array(script.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0
        var hasContent = false

        func flush() {
            let text = String(current).trimmingWhitespace()
            if hasContent, !text.isEmpty { statements.append(text) }
            current = String.UnicodeScalarView()
            hasContent = false
        }

        func peek(_ offset: Int) -> Unicode.Scalar? {
            index + offset < chars.count ? chars[index + offset] : nil
        }

        while index < chars.count {
            let c = chars[index]
            switch c {
            case "-" where peek(1) == "-":
                // Line comment: kept out of the statement.
                while index < chars.count, chars[index] != "\n" { index += 1 }
                continue
            case "/" where peek(1) == "*":
                // Block comment, which nests in PostgreSQL.
                var depth = 0
                repeat {
                    if chars[index] == "/", peek(1) == "*" {
                        depth += 1
                        index += 2
                        continue
                    }
                    if chars[index] == "*", peek(1) == "/" {
                        depth -= 1
                        index += 2
                        continue
                    }
                    index += 1
                } while depth > 0 && index < chars.count
                current.append(" ")
                continue
            case "'", "\"":
                let quote = c
                current.append(c)
                index += 1
                while index < chars.count {
                    current.append(chars[index])
                    if chars[index] == quote {
                        if peek(1) == quote {  // doubled quote is an escaped quote
                            current.append(chars[index + 1])
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    index += 1
                }
                hasContent = true
                continue
            case "$":
                if let tag = dollarTag(chars, at: index) {
                    current.append(contentsOf: tag)
                    index += tag.count
                    while index < chars.count {
                        if chars[index] == "$", matches(chars, at: index, tag) {
                            current.append(contentsOf: tag)
                            index += tag.count
                            break
                        }
                        current.append(chars[index])
                        index += 1
                    }
                    hasContent = true
                    continue
                }
            case ";":
                flush()
                index += 1
                continue
            default:
                break
            }
            if !c.properties.isWhitespace { hasContent = true }
            current.append(c)
            index += 1
        }
        flush()
        return statements
    }

    /// The `$tag$` opening a dollar-quoted string at `index`, if there is one.
    private static func dollarTag(_ chars: [Unicode.Scalar], at index: Int) -> [Unicode.Scalar]? {
        // `$1` is a parameter, not a quote; a tag starts with a letter or underscore, or is empty.
        var end = index + 1
        while end < chars.count, chars[end] != "$" {
            let c = chars[end]
            let isTagChar = c == "_" || c.properties.isAlphabetic || (end > index + 1 && ("0"..."9").contains(c))
            guard isTagChar else { return nil }
            end += 1
        }
        guard end < chars.count else { return nil }
        return Array(chars[index...end])
    }

    private static func matches(_ chars: [Unicode.Scalar], at index: Int, _ tag: [Unicode.Scalar]) -> Bool {
        guard index + tag.count <= chars.count else { return false }
        return Array(chars[index..<(index + tag.count)]) == tag
    }
}
