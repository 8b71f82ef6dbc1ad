import EaselStore
import Hummingbird

/// `limit` and `cursor` of a list request.
struct PageRequest {
    var limit: Int
    var cursor: Cursor?

    init(_ request: Request, defaultLimit: Int = 50, maxLimit: Int = 200) throws {
        let query = request.uri.queryParameters
        if let raw = query.get("limit") {
            guard let value = Int(raw), (1...maxLimit).contains(value) else {
                throw AppError.badRequest("limit must be a whole number from 1 to \(maxLimit).", code: "invalid_field")
            }
            limit = value
        } else {
            limit = defaultLimit
        }
        cursor = try query.get("cursor").map { try Cursor(decoding: $0) }
    }
}
