import EaselCore
import Foundation
import Testing

@Suite struct ModelRulesTests {
    @Test func lifecycleUsesWarnsRedirectsAndRetires() {
        let successor = UUID()
        #expect(
            ModelLifecycle.decide(modelName: "A", deprecationDate: nil, successorID: nil, successorName: nil, today: "2026-11-22")
                == .use(notice: nil)
        )
        #expect(
            ModelLifecycle.decide(modelName: "A", deprecationDate: "2026-12-01", successorID: successor, successorName: "B", today: "2026-11-22")
                == .use(notice: "A is deprecated and stops taking new generations on 2026-12-01. Use B instead.")
        )
        // On the day itself the model is retired.
        #expect(
            ModelLifecycle.decide(modelName: "A", deprecationDate: "2026-11-22", successorID: successor, successorName: "B", today: "2026-11-22")
                == .redirect(successorID: successor, notice: "A was retired on 2026-11-22; B is used instead.")
        )
        #expect(
            ModelLifecycle.decide(modelName: "A", deprecationDate: "2026-01-01", successorID: nil, successorName: nil, today: "2026-11-22")
                == .retired(message: "A was retired on 2026-01-01 and has no successor. Choose another model.")
        )
    }

    @Test func baseURLsMustBePlainHTTP() throws {
        #expect(try ModelRules.baseURL("https://relay.example.com/v1beta").host == "relay.example.com")
        for (raw, message) in [
            ("ftp://x.example", "must start with http:// or https://"), ("example.com", "must start with http:// or https://"),
            ("https://", "has no host"), ("https://a:b@x.example", "must not contain a user name or password"),
            ("https://x.example/?key=1", "must not have a query"),
        ] {
            do {
                _ = try ModelRules.baseURL(raw)
                Issue.record("\(raw) was accepted")
            } catch {
                #expect(error.field == "baseUrl")
                #expect(error.message.hasPrefix(message), "\(raw): \(error.message)")
            }
        }
    }

    @Test func apiModelNamesAreNormalised() throws {
        #expect(try ModelRules.apiModel(" models/gemini-3-pro-image-preview ") == "gemini-3-pro-image-preview")
        #expect(throws: ValidationError.self) { try ModelRules.apiModel("gemini 3") }
        #expect(throws: ValidationError.self) { try ModelRules.apiModel("") }
        #expect(ModelRules.hint("AIzaSyabcd1234") == "1234")
    }

    @Test func capabilitiesMustBeCoherent() throws {
        var capabilities = ModelCapabilities(
            maxInputImages: 14,
            aspectRatios: ["1:1", "16:9"],
            imageSizes: ["1K", "4K"],
            thinkingLevels: ["minimal", "high"],
            groundingAllowed: true,
            defaultAspectRatio: "16:9",
            defaultImageSize: "1K"
        )
        try capabilities.validate()
        capabilities.defaultImageSize = "2K"
        #expect(throws: ValidationError(field: "capabilities.defaultImageSize", message: "must be one of the allowed image sizes")) {
            try capabilities.validate()
        }
        capabilities.defaultImageSize = nil
        capabilities.imageSizes = ["8K"]
        #expect(throws: ValidationError.self) { try capabilities.validate() }
        capabilities.imageSizes = []
        capabilities.aspectRatios = ["0:1"]
        #expect(throws: ValidationError.self) { try capabilities.validate() }
    }

    @Test func aspectRatioCheckToleratesGooglesRounding() {
        #expect(AspectRatioCheck.matches(width: 1376, height: 768, ratio: "16:9"))
        #expect(AspectRatioCheck.matches(width: 1584, height: 672, ratio: "21:9"))
        #expect(AspectRatioCheck.matches(width: 928, height: 1152, ratio: "4:5"))
        #expect(!AspectRatioCheck.matches(width: 1024, height: 1024, ratio: "16:9"))
        #expect(!AspectRatioCheck.matches(width: 1024, height: 0, ratio: "1:1"))
        #expect(!AspectRatioCheck.matches(width: 1024, height: 1024, ratio: "square"))
    }
}

@Suite struct PolicyTests {
    let acme = UUID()
    let globex = UUID()

    func principal(_ role: Role, tenant: UUID?) -> Principal {
        Principal(userID: UUID(), tenantID: tenant, role: role, email: "x@y.z", credential: .apiKey(id: UUID()))
    }

    @Test func usageIsReadWithinTheCallersTenantAndPricesBelongToAdmins() throws {
        let root = principal(.platformAdmin, tenant: nil)
        #expect(try Policy.usageTenant(for: root, requested: globex) == globex)
        #expect(try Policy.usageTenant(for: root, requested: nil) == nil)
        // An owner asking for another tenant gets their own.
        #expect(try Policy.usageTenant(for: principal(.owner, tenant: acme), requested: globex) == acme)
        #expect(throws: PolicyError.self) { try Policy.usageTenant(for: principal(.member, tenant: acme), requested: nil) }
        try Policy.authorize(.readPrices, for: principal(.admin, tenant: acme))
        #expect(throws: PolicyError.self) { try Policy.authorize(.readPrices, for: principal(.member, tenant: acme)) }
        try Policy.authorize(.setPrices, for: root)
        #expect(throws: PolicyError.self) { try Policy.authorize(.setPrices, for: principal(.owner, tenant: acme)) }
    }

    @Test func generationsAreSeenByRoleAndBelongToTenants() throws {
        let member = principal(.member, tenant: acme)
        #expect(Policy.generationScope(for: member) == GenerationScope(tenantID: acme, userID: member.userID))
        #expect(Policy.generationScope(for: principal(.admin, tenant: acme)) == GenerationScope(tenantID: acme, userID: nil))
        #expect(Policy.generationScope(for: principal(.platformAdmin, tenant: nil)) == GenerationScope(tenantID: nil, userID: nil))
        #expect(try Policy.tenant(of: member, for: "Generations") == acme)
        #expect(throws: PolicyError.self) { try Policy.tenant(of: principal(.platformAdmin, tenant: nil), for: "Generations") }
    }

    @Test func modelsAreManagedWithinTheirScope() throws {
        let root = principal(.platformAdmin, tenant: nil)
        try Policy.authorize(.manageModels(tenantID: nil), for: root)
        try Policy.authorize(.manageModels(tenantID: acme), for: root)
        let owner = principal(.owner, tenant: acme)
        try Policy.authorize(.manageModels(tenantID: acme), for: owner)
        #expect(throws: PolicyError.self) { try Policy.authorize(.manageModels(tenantID: nil), for: owner) }
        #expect(throws: PolicyError.notFound) { try Policy.authorize(.manageModels(tenantID: globex), for: owner) }
        #expect(throws: PolicyError.self) { try Policy.authorize(.manageModels(tenantID: acme), for: principal(.member, tenant: acme)) }
    }

    @Test func onlyOwnersMakeOwners() throws {
        let admin = principal(.admin, tenant: acme)
        try Policy.authorize(.assignRole(.admin, tenantID: acme, currentRole: .member), for: admin)
        #expect(throws: PolicyError.self) { try Policy.authorize(.assignRole(.owner, tenantID: acme, currentRole: .member), for: admin) }
        #expect(throws: PolicyError.self) { try Policy.authorize(.assignRole(.member, tenantID: acme, currentRole: .owner), for: admin) }
        try Policy.authorize(.assignRole(.owner, tenantID: acme, currentRole: .member), for: principal(.owner, tenant: acme))
        #expect(throws: PolicyError.self) {
            try Policy.authorize(.assignRole(.platformAdmin, tenantID: acme, currentRole: nil), for: principal(.platformAdmin, tenant: nil))
        }
    }
}
