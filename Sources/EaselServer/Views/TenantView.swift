import EaselStore
import Foundation
import Hummingbird

/// A tenant as the API shows it.
struct TenantView: ResponseEncodable {
    var id: UUID
    var name: String
    var slug: String
    var status: TenantRecord.Status
    var limits: LimitsView
    var createdAt: Date
    var updatedAt: Date

    init(_ tenant: TenantRecord) {
        id = tenant.id
        name = tenant.name
        slug = tenant.slug
        status = tenant.status
        limits = LimitsView(tenant.limits)
        createdAt = tenant.createdAt
        updatedAt = tenant.updatedAt
    }
}
