import EaselCore
import EaselStore
import Foundation
import Gemini
import Hummingbird
import NIOCore

/// Usage figures (JSON and CSV) for tenant owners and admins (their tenant) and platform admins
/// (every tenant, or one with `?tenantId=`), and the price table they are costed with.
struct UsageController {
    let usage: UsageStore
    let models: ModelStore
    let generations: GenerationStore

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get("usage", use: json)
            .get("usage.csv", use: csv)
            .get("generations.csv", use: historyCSV)
            .get("prices", use: prices)
            .get("prices/estimate", use: estimate)
            .post("prices", use: setPrice)
    }

    struct Query {
        var tenantID: UUID?
        var from: Date
        var to: Date
        var groupBy: UsageStore.Grouping
    }

    /// `from`/`to` as UTC dates (`to` exclusive; default: this calendar month so far; usage is
    /// counted per UTC day, so a time must be a midnight), `groupBy` one of total, day, month,
    /// model, user, tenant, reason.
    func query(_ request: Request, context: AppRequestContext) throws -> Query {
        let principal = try context.requirePrincipal()
        let requested = principal.role == .platformAdmin ? try request.uuidQuery("tenantId") : nil
        let tenantID = try Policy.usageTenant(for: principal, requested: requested)
        let (from, to): (Date, Date)
        do {
            (from, to) = try UsageStore.dayRange(from: try request.dateQuery("from"), to: try request.dateQuery("to"))
        } catch let error as ValidationError {
            throw AppError.validation(error)
        }
        let rawGrouping = request.query("groupBy") ?? "total"
        guard let groupBy = UsageStore.Grouping(rawValue: rawGrouping) else {
            throw AppError.validation(
                ValidationError(field: "groupBy", message: "must be one of \(UsageStore.Grouping.allCases.map(\.rawValue).joined(separator: ", "))")
            )
        }
        return Query(tenantID: tenantID, from: from, to: to, groupBy: groupBy)
    }

    struct FiguresView: Encodable {
        var key: String
        var label: String
        var requests: Int
        var succeeded: Int
        var blocked: Int
        var failed: Int
        var canceled: Int
        var images: Int
        var promptTokens: Int
        var promptImageTokens: Int
        var outputTokens: Int
        var imageTokens: Int
        var thoughtTokens: Int
        var costUsd: Double
        var unpriced: Int
        var latencyP50Ms: Double?
        var latencyP95Ms: Double?

        init(_ f: UsageStore.Figures) {
            (key, label, requests, succeeded, blocked, failed, canceled) = (f.key, f.label, f.requests, f.succeeded, f.blocked, f.failed, f.canceled)
            (images, promptTokens, promptImageTokens) = (f.images, f.promptTokens, f.promptImageTokens)
            (outputTokens, imageTokens, thoughtTokens) = (f.outputTokens, f.imageTokens, f.thoughtTokens)
            costUsd = Double(f.costMicros) / 1_000_000
            unpriced = f.unpriced
            latencyP50Ms = f.latencyP50Ms?.rounded()
            latencyP95Ms = f.latencyP95Ms?.rounded()
        }
    }

    struct UsageView: ResponseEncodable {
        var tenantId: UUID?
        var from: Date
        var to: Date
        var groupBy: String
        var totals: FiguresView?
        var groups: [FiguresView]
    }

    @Sendable func json(_ request: Request, context: AppRequestContext) async throws -> UsageView {
        let query = try query(request, context: context)
        let groups = try await usage.figures(tenantID: query.tenantID, from: query.from, to: query.to, groupBy: query.groupBy)
        let totals =
            query.groupBy == .total
            ? groups.first : try await usage.figures(tenantID: query.tenantID, from: query.from, to: query.to, groupBy: .total).first
        return UsageView(
            tenantId: query.tenantID,
            from: query.from,
            to: query.to,
            groupBy: query.groupBy.rawValue,
            totals: totals.map(FiguresView.init),
            groups: groups.map(FiguresView.init)
        )
    }

    /// The same figures as CSV, one row per group.
    @Sendable func csv(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = try query(request, context: context)
        let groups = try await usage.figures(tenantID: query.tenantID, from: query.from, to: query.to, groupBy: query.groupBy)
        let text = CSV.usage(groups)
        let day = Date.ISO8601FormatStyle().year().month().day()
        let name = "easel-usage-\(query.groupBy.rawValue)-\(query.from.formatted(day))-\(query.to.formatted(day)).csv"
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\"", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }

    static let maxHistoryRows = 100_000

    /// History as CSV, with the filters and scope of `GET /api/v1/generations` (members: their
    /// own; admins: their tenant's; platform admins: all), newest first, at most 100,000 rows.
    @Sendable func historyCSV(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let filter = try GenerationController.filter(request)
        let scope = Policy.generationScope(for: principal)
        var text = CSV.headerLine(CSV.historyColumns)
        var cursor: Cursor? = nil
        var written = 0
        repeat {
            let page = try await generations.list(scope: scope, filter: filter, limit: 200, before: cursor)
            for var g in page.items {
                if !Policy.seesUpstreamRoutes(principal) { g.upstreamHost = nil }
                text += CSV.line(g, CSV.historyColumns)
            }
            written += page.items.count
            cursor = try page.nextCursor.map { try Cursor(decoding: $0) }
        } while cursor != nil && written < Self.maxHistoryRows
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"easel-history.csv\"",
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }

    struct PriceView: ResponseEncodable {
        var id: UUID
        var apiModel: String
        var kind: String
        var serviceTier: String
        var usdPerMillionTokens: Double
        var effectiveFrom: String

        init(_ r: PriceRecord) {
            (id, apiModel, kind, serviceTier, usdPerMillionTokens, effectiveFrom) = (
                r.id, r.apiModel, r.kind, r.serviceTier, r.usdPerMillionTokens, r.effectiveFrom
            )
        }
    }

    struct PriceList: ResponseEncodable { var items: [PriceView] }

    @Sendable func prices(_ request: Request, context: AppRequestContext) async throws -> PriceList {
        let principal = try context.requirePrincipal()
        try Policy.authorize(.readPrices, for: principal)
        return PriceList(items: try await usage.prices().map(PriceView.init))
    }

    struct EstimateView: ResponseEncodable {
        var modelId: UUID
        var imageSize: String?
        var serviceTier: String
        var images: Int
        var inputImages: Int
        /// Estimated input tokens: the prompt (about four characters a token) and the input images.
        var inputTokens: Int
        /// Output image tokens, from Google's tables.
        var imageTokens: Int
        /// Nil when the model has no price for today.
        var costUsd: Double?
    }

    /// What a request costs at today's prices, before it is sent: `images` output images
    /// (default 1) of `modelId` at `imageSize`, with `inputImages` input images and a prompt of
    /// `promptChars` characters. Thinking and text output come on top.
    @Sendable func estimate(_ request: Request, context: AppRequestContext) async throws -> EstimateView {
        let principal = try context.requirePrincipal()
        let tenantID = try Policy.tenant(of: principal, for: "Estimates")
        guard let modelID = try request.uuidQuery("modelId"), let model = try await models.usable(modelID, tenantID: tenantID) else {
            throw AppError(.notFound, code: "unknown_model", message: "No model with that id is available to you.", field: "modelId")
        }
        let size = request.query("imageSize")
        if let size, !model.capabilities.imageSizes.contains(size) {
            throw AppError.validation(ValidationError(field: "imageSize", message: "'\(size)' is not offered by this model"))
        }
        func count(_ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
            guard let raw = request.query(name) else { return value }
            guard let number = Int(raw), range.contains(number) else {
                throw AppError.validation(
                    ValidationError(field: name, message: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
                )
            }
            return number
        }
        let tier = request.query("serviceTier")?.lowercased() ?? "standard"
        do { try GenerationOptions.checkServiceTier(tier) } catch { throw AppError.validation(error) }
        let images = try count("images", default: 1, in: 1...8)
        let inputImages = try count("inputImages", default: 0, in: 0...max(0, model.capabilities.maxInputImages))
        let promptChars = try count("promptChars", default: 0, in: 0...1_000_000)
        let family = ImageModelFamily.family(ofModel: model.apiModel)
        let imageTokens = images * (family?.outputTokensPerImage(imageSize: size ?? model.capabilities.defaultImageSize) ?? 0)
        let inputTokens = (promptChars + 3) / 4 + inputImages * (family?.inputTokensPerImage ?? 0)
        // A model of no known family has no token table to estimate from.
        let micros =
            family == nil
            ? nil : try await usage.costMicros(apiModel: model.apiModel, serviceTier: tier, inputTokens: inputTokens, imageTokens: imageTokens)
        return EstimateView(
            modelId: model.id,
            imageSize: size,
            serviceTier: tier,
            images: images,
            inputImages: inputImages,
            inputTokens: inputTokens,
            imageTokens: imageTokens,
            costUsd: micros.map { Double($0) / 1_000_000 }
        )
    }

    struct PriceBody: Decodable {
        var apiModel: String
        var kind: String
        /// Default `standard`.
        var serviceTier: String?
        var usdPerMillionTokens: Double
        var effectiveFrom: String
    }

    @Sendable func setPrice(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<PriceView> {
        let principal = try context.requirePrincipal()
        try Policy.authorize(.setPrices, for: principal)
        let body = try await request.decodeJSON(as: PriceBody.self, context: context)
        guard body.apiModel.range(of: "^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$", options: .regularExpression) != nil else {
            throw AppError.validation(ValidationError(field: "apiModel", message: "is not a model name such as gemini-2.5-flash-image"))
        }
        guard UsageStore.priceKinds.contains(body.kind) else {
            throw AppError.validation(ValidationError(field: "kind", message: "must be one of \(UsageStore.priceKinds.joined(separator: ", "))"))
        }
        let tier = body.serviceTier ?? "standard"
        do { try GenerationOptions.checkServiceTier(tier) } catch { throw AppError.validation(error) }
        guard body.usdPerMillionTokens.isFinite, (0...100_000).contains(body.usdPerMillionTokens) else {
            throw AppError.validation(ValidationError(field: "usdPerMillionTokens", message: "must be from 0 to 100000"))
        }
        guard (try? Date(body.effectiveFrom, strategy: Date.ISO8601FormatStyle().year().month().day())) != nil else {
            throw AppError.validation(ValidationError(field: "effectiveFrom", message: "is not a date such as 2026-12-01"))
        }
        let record = try await usage.setPrice(
            apiModel: body.apiModel,
            kind: body.kind,
            serviceTier: tier,
            usdPerMillionTokens: body.usdPerMillionTokens,
            effectiveFrom: body.effectiveFrom,
            audit: context.audit("price.set")
        )
        return EditedResponse(status: .created, response: PriceView(record))
    }
}
