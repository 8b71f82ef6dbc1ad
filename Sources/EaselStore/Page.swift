import EaselCore
import Foundation
import PostgresNIO

/// A page of a keyset-paginated list.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    /// Pass back as `cursor` for the next page; nil on the last page.
    public var nextCursor: String?
}

extension Page {
    /// A page from up to `limit + 1` rows whose last column holds the row's cursor
    /// microseconds: the extra row only says there is a next page.
    init(
        _ rows: PostgresRowSequence,
        limit: Int,
        decode: (PostgresRow) throws -> Item,
        id: (Item) -> String
    ) async throws {
        var items: [Item] = []
        var lastMicros: Int64 = 0
        var more = false
        for try await row in rows {
            if items.count == limit {
                more = true
                break
            }
            items.append(try decode(row))
            let columns = row.makeRandomAccess()
            lastMicros = try columns[columns.count - 1].decode(Int64.self)
        }
        self.init(items: items, nextCursor: more ? items.last.map { Cursor(micros: lastMicros, id: id($0)).encoded } : nil)
    }
}
