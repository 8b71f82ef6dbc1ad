import Foundation

/// What to do with a generation request for a model, given its deprecation date and successor.
public enum ModelLifecycle: Equatable, Sendable {
    /// Use the model; `notice` tells users it is deprecated when it is.
    case use(notice: String?)
    /// The model is retired: use the successor instead.
    case redirect(successorID: UUID, notice: String)
    /// The model is retired and has no successor.
    case retired(message: String)

    /// Today's calendar day in UTC, as deprecation dates are written (`YYYY-MM-DD`).
    public static func today(_ now: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: now)
    }

    /// Decides for `modelName`, deprecated on `deprecationDate` (a calendar day, UTC), on `today`.
    public static func decide(
        modelName: String,
        deprecationDate: String?,
        successorID: UUID?,
        successorName: String?,
        today: String
    ) -> ModelLifecycle {
        guard let date = deprecationDate else { return .use(notice: nil) }
        if today < date {
            let next = successorName.map { " Use \($0) instead." } ?? ""
            return .use(notice: "\(modelName) is deprecated and stops taking new generations on \(date).\(next)")
        }
        if let successorID, let successorName {
            return .redirect(successorID: successorID, notice: "\(modelName) was retired on \(date); \(successorName) is used instead.")
        }
        return .retired(message: "\(modelName) was retired on \(date) and has no successor. Choose another model.")
    }
}
