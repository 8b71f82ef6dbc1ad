import EaselCore
import Foundation
import Hummingbird

extension Request {
    /// A UUID path parameter; anything else is a 404, since no such resource can exist.
    func uuidParameter(_ name: String, context: some RequestContext, resource: String) throws -> UUID {
        guard let raw = context.parameters.get(name), let id = UUID(uuidString: raw) else {
            throw AppError.notFound("No \(resource) with that id.")
        }
        return id
    }

    /// An optional query parameter; empty counts as absent.
    func query(_ name: String) -> String? {
        uri.queryParameters.get(name).flatMap { $0.isEmpty ? nil : String($0) }
    }

    /// An optional UUID query parameter, with a 400 naming it when malformed.
    func uuidQuery(_ name: String) throws -> UUID? {
        guard let raw = query(name) else { return nil }
        guard let id = UUID(uuidString: raw) else { throw AppError.validation(ValidationError(field: name, message: "is not a UUID")) }
        return id
    }

    /// An optional ISO-8601 date (`2026-11-01`, UTC midnight) or time query parameter, with a
    /// 400 naming it when malformed.
    func dateQuery(_ name: String) throws -> Date? {
        guard let raw = query(name) else { return nil }
        if let date = try? Date(raw, strategy: .iso8601) { return date }
        if let day = try? Date(raw, strategy: Date.ISO8601FormatStyle().year().month().day()) { return day }
        throw AppError.validation(ValidationError(field: name, message: "is not an ISO-8601 date such as 2026-11-01 or 2026-11-01T12:00:00Z"))
    }
}
