import EaselCore
import EaselStore
import Foundation
import Hummingbird

extension ModelController {
    /// A create or update body: absent fields are left as they are.
    struct Body: Decodable {
        var name: String?
        var apiModel: String?
        var description: String?
        var systemInstruction: String?
        var groupName: String?
        var sortOrder: Int?
        var baseUrl: Patchable<String> = .absent
        var token: String?
        var removeToken: Bool?
        var enabled: Bool?
        var capabilities: ModelCapabilities?
        var deprecationDate: Patchable<String> = .absent
        var successorId: Patchable<UUID> = .absent
        var tenantId: UUID?
        var visibleToAll: Bool?
        var tenantIds: [UUID]?
    }

    /// Validates and applies the optional fields of a create or update body.
    func apply(_ body: Body, to fields: inout ModelFields, tenantID: UUID?, modelID: UUID?) async throws {
        if let description = body.description { fields.description = try ModelRules.text(description, field: "description", max: 2000) }
        if let instruction = body.systemInstruction {
            fields.systemInstruction = try ModelRules.text(instruction, field: "systemInstruction", max: 32000)
        }
        if let group = body.groupName { fields.groupName = try ModelRules.text(group.trimmingWhitespace(), field: "groupName", max: 100) }
        if let order = body.sortOrder { fields.sortOrder = try ModelRules.sortOrder(order) }
        if let enabled = body.enabled { fields.enabled = enabled }
        if let capabilities = body.capabilities { fields.capabilities = capabilities }
        try fields.capabilities.validate()
        switch body.baseUrl {
        case .absent: break
        case .null: fields.baseURL = nil
        case .value(let raw):
            let components = try ModelRules.baseURL(raw)
            if tenantID != nil, !upstream.allowPrivateUpstreams { try await checkAddress(raw) }
            var url = raw.trimmingWhitespace()
            while url.hasSuffix("/") { url.removeLast() }
            // The scheme in lower case, as the schema's check and every client expect.
            if let scheme = components.scheme { url = scheme.lowercased() + url.dropFirst(scheme.count) }
            fields.baseURL = url
        }
        switch body.deprecationDate {
        case .absent: break
        case .null: fields.deprecationDate = nil
        case .value(let date):
            guard Self.isDate(date) else { throw ValidationError(field: "deprecationDate", message: "must be a date as YYYY-MM-DD") }
            fields.deprecationDate = date
        }
        switch body.successorId {
        case .absent: break
        case .null: fields.successorID = nil
        case .value(let successor):
            guard successor != modelID else { throw ValidationError(field: "successorId", message: "cannot be the model itself") }
            let other: ModelRecord?
            if let tenantID {
                other = try await models.usable(successor, tenantID: tenantID)
            } else {
                other = try await models.get(successor, scope: .all).flatMap { $0.tenantID == nil ? $0 : nil }
            }
            guard other != nil else { throw ValidationError(field: "successorId", message: "names no model in this scope") }
            fields.successorID = successor
        }
        if body.visibleToAll != nil || body.tenantIds != nil {
            guard tenantID == nil else {
                throw ValidationError(field: "visibleToAll", message: "applies to platform-wide models only; a tenant's model is its own")
            }
            if let all = body.visibleToAll { fields.visibleToAll = all }
            if let ids = body.tenantIds {
                for id in ids where try await tenants.get(id) == nil {
                    throw ValidationError(field: "tenantIds", message: "names a tenant that does not exist (\(id.uuidString.lowercased()))")
                }
                fields.tenantIDs = ids
            }
        }
    }

    /// Refuses a tenant base URL whose host resolves to a non-public address.
    func checkAddress(_ rawURL: String) async throws {
        let components = try ModelRules.baseURL(rawURL)
        let port = components.port ?? (components.scheme?.lowercased() == "https" ? 443 : 80)
        do {
            try await upstream.addressGuard.check(host: components.host ?? "", port: port)
        } catch let refusal as UpstreamAddressGuard.Refusal {
            throw ValidationError(field: "baseUrl", message: "is refused: \(refusal.description); tenant models must reach public addresses")
        }
    }

    static func isDate(_ text: String) -> Bool {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return text.count == 10 && formatter.date(from: text) != nil
    }
}
