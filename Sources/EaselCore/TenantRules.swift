/// Rules for tenant fields.
public enum TenantRules {
    /// A name of 1 to 200 visible characters, trimmed.
    public static func name(_ raw: String) throws(ValidationError) -> String {
        let name = raw.trimmingWhitespace()
        guard !name.isEmpty else { throw ValidationError(field: "name", message: "is required") }
        guard name.unicodeScalars.count <= 200 else { throw ValidationError(field: "name", message: "must be at most 200 characters") }
        return name
    }

    /// A slug: lower-case letters, digits and dashes, 1 to 63 characters, starting with a letter or digit.
    public static func slug(_ raw: String) throws(ValidationError) -> String {
        let slug = raw.trimmingWhitespace()
        let allowed = slug.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        guard (1...63).contains(slug.count), allowed, slug.first != "-" else {
            throw ValidationError(
                field: "slug",
                message: "must be 1 to 63 lower-case letters, digits or dashes, not starting with a dash"
            )
        }
        return slug
    }

    /// A slug made from a name: "Acme Studio!" → "acme-studio".
    public static func slug(fromName name: String) -> String {
        var slug = ""
        for scalar in name.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                slug.unicodeScalars.append(scalar)
            } else if !slug.hasSuffix("-"), !slug.isEmpty {
                slug.append("-")
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return String(slug.prefix(63)).isEmpty ? "tenant" : String(slug.prefix(63))
    }

    /// An optional limit that must lie in `range`; nil means none (`none` says what null does).
    public static func limit(
        _ value: Int?,
        field: String,
        in range: ClosedRange<Int>,
        none: String = "for no limit"
    ) throws(ValidationError) -> Int? {
        guard let value else { return nil }
        guard range.contains(value) else {
            throw ValidationError(field: field, message: "must be from \(range.lowerBound) to \(range.upperBound) (or null \(none))")
        }
        return value
    }
}
