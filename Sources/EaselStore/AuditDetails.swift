import EaselCore
import Foundation
import Logging
import PostgresNIO

/// JSON for audit details.
public enum AuditDetails {
    /// `{"before": {...}, "after": {...}}` with only the fields that changed.
    public static func change(before: [String: String], after: [String: String]) -> String {
        var changedBefore: [String: String] = [:]
        var changedAfter: [String: String] = [:]
        for (key, value) in after where before[key] != value {
            changedBefore[key] = before[key]
            changedAfter[key] = value
        }
        return json(["before": changedBefore, "after": changedAfter])
    }

    public static func json(_ object: [String: [String: String]]) -> String {
        (try? String(decoding: JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)) ?? "{}"
    }

    public static func json(_ object: [String: String]) -> String {
        (try? String(decoding: JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)) ?? "{}"
    }
}
