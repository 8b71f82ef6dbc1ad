import EaselCore
import Foundation

/// A row of the audit log: the entry as it was written, its number and time.
@dynamicMemberLookup
public struct AuditRecord: Sendable {
    public var id: Int64
    public var entry: AuditEntry
    public var createdAt: Date

    /// `record.action` for `record.entry.action`, and so on.
    public subscript<Value>(dynamicMember keyPath: KeyPath<AuditEntry, Value>) -> Value { entry[keyPath: keyPath] }
}
