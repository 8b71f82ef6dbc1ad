import Hummingbird

/// A page of a list: `{"items": [...], "nextCursor": "..." | null}`.
struct PageView<Item: Encodable & Sendable>: ResponseEncodable {
    var items: [Item]
    @NullEncoded var nextCursor: String?
}
