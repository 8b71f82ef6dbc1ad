import Foundation

/// Where Google's image model ids stand: which are served, which Google shut down and what it
/// names as their successor. Google's facts, kept by hand from its model and deprecation pages
/// (README, "Models": how to keep it current); `asOf` says when it was last checked.
public enum ModelCatalog {
    /// One upstream model id.
    public struct Entry: Sendable, Hashable {
        public enum Stage: String, Sendable {
            /// Served, under a `-preview` id.
            case preview
            /// Served and generally available.
            case stable
            /// Announced for shutdown, or shut down (see `shutdownDate`).
            case deprecated
        }

        public let id: String
        public let stage: Stage
        /// Generally available since (`YYYY-MM-DD`), for stable ids.
        public let availableSince: String?
        /// The first day Google no longer serves the id (`YYYY-MM-DD`).
        public let shutdownDate: String?
        /// The id Google names as its replacement.
        public let successor: String?
    }

    /// The day this table was last checked against Google's pages.
    public static let asOf = "2026-12-02"

    public static let entries: [Entry] = [
        Entry(id: "gemini-3.1-flash-image", stage: .stable, availableSince: "2026-05-28", shutdownDate: nil, successor: nil),
        Entry(id: "gemini-3-pro-image", stage: .stable, availableSince: "2026-05-28", shutdownDate: nil, successor: nil),
        Entry(id: "gemini-3.1-flash-lite-image", stage: .stable, availableSince: nil, shutdownDate: nil, successor: nil),
        Entry(
            id: "gemini-3.1-flash-image-preview",
            stage: .deprecated,
            availableSince: nil,
            shutdownDate: "2026-06-25",
            successor: "gemini-3.1-flash-image"
        ),
        Entry(
            id: "gemini-3-pro-image-preview",
            stage: .deprecated,
            availableSince: nil,
            shutdownDate: "2026-06-25",
            successor: "gemini-3-pro-image"
        ),
        Entry(
            id: "gemini-2.5-flash-image",
            stage: .deprecated,
            availableSince: nil,
            shutdownDate: "2026-10-02",
            successor: "gemini-3.1-flash-image"
        ),
    ]

    /// The entry of an upstream id (`models/` in front is accepted), if Google's catalog names it.
    public static func entry(for model: String) -> Entry? {
        let id = model.hasPrefix("models/") ? String(model.dropFirst("models/".count)) : model
        return entries.first { $0.id == id }
    }

    /// Whether Google has shut `model` down by `day` (`YYYY-MM-DD`).
    public static func isShutDown(_ model: String, on day: String) -> Bool {
        guard let date = entry(for: model)?.shutdownDate else { return false }
        return day >= date
    }

    /// The id to send for `model` on `day`: once Google has shut it down, its successor when the
    /// successor is the same model family (same sizes, ratios and request shape: a `-preview`
    /// id and its generally available one), else `model` itself. A successor of another family
    /// is never swapped in silently; the config's admins move it (the notice tells them).
    public static func callableID(for model: String, on day: String) -> String {
        guard isShutDown(model, on: day), let successor = entry(for: model)?.successor,
            let family = ImageModelFamily.family(ofModel: model), ImageModelFamily.family(ofModel: successor) == family
        else { return model }
        return successor
    }

    /// What an admin should know about `model` on `day`, or nil when nothing.
    public static func notice(for model: String, on day: String) -> String? {
        guard let entry = entry(for: model), let date = entry.shutdownDate else { return nil }
        let successor = entry.successor
        if day < date {
            return "Google shuts \(entry.id) down on \(date)\(successor.map { "; its successor is \($0)" } ?? "")."
        }
        let called = callableID(for: model, on: day)
        if called != model {
            return "Google shut \(entry.id) down on \(date); Easel sends its calls to \(called), its successor."
        }
        return "Google shut \(entry.id) down on \(date): calls to it fail\(successor.map { ". Move this model to \($0)" } ?? "")."
    }
}
