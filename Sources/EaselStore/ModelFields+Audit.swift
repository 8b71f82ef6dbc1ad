import EaselCore
import Foundation

extension ModelFields {
    /// The fields as text for the audit log's before/after.
    var auditFields: [String: String] {
        let capabilitiesJSON = (try? JSONEncoder().encode(capabilities)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return [
            "name": name, "apiModel": apiModel, "description": description, "systemInstruction": systemInstruction,
            "groupName": groupName, "sortOrder": String(sortOrder), "baseUrl": baseURL ?? "", "enabled": String(enabled),
            "capabilities": capabilitiesJSON, "deprecationDate": deprecationDate ?? "",
            "successorId": successorID?.uuidString.lowercased() ?? "", "visibleToAll": String(visibleToAll),
            "tenantIds": tenantIDs.map { $0.uuidString.lowercased() }.sorted().joined(separator: ","),
        ]
    }
}
