import EaselCore
import EaselStore
import Foundation
import Hummingbird

/// A user as the API shows it.
struct UserView: ResponseEncodable {
    var id: UUID
    @NullEncoded var tenantId: UUID?
    var email: String
    var displayName: String
    var role: Role
    var status: UserRecord.Status
    var createdAt: Date
    @NullEncoded var lastLoginAt: Date?

    init(_ user: UserRecord) {
        id = user.id
        tenantId = user.tenantID
        email = user.email
        displayName = user.displayName
        role = user.role
        status = user.status
        createdAt = user.createdAt
        lastLoginAt = user.lastLoginAt
    }
}
