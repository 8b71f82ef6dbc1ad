import Foundation
import Gemini

/// The image model ids Google serves, by day: its models page and deprecation page as of
/// December 2026, written down here on their own rather than read from Easel's `ModelCatalog`,
/// so a mistake in Easel's table is not also the simulator's. Any other id, and a listed one
/// outside its dates, is Google's 404.
enum ServedModels {
    /// Launch days matter only to tell a served id from one not served yet; Google's pages held
    /// here give no launch day for 3.1 Flash Lite Image, so it is taken as the others' GA day.
    struct Served {
        let id: String
        /// The first day Google served the id (`YYYY-MM-DD`).
        let from: String
        /// The first day Google no longer serves it, if it is shut down or announced.
        let until: String?
    }

    static let all: [Served] = [
        Served(id: "gemini-2.5-flash-image", from: "2025-10-02", until: "2026-10-02"),
        Served(id: "gemini-3-pro-image-preview", from: "2025-11-20", until: "2026-06-25"),
        Served(id: "gemini-3.1-flash-image-preview", from: "2026-02-26", until: "2026-06-25"),
        Served(id: "gemini-3-pro-image", from: "2026-05-28", until: nil),
        Served(id: "gemini-3.1-flash-image", from: "2026-05-28", until: nil),
        Served(id: "gemini-3.1-flash-lite-image", from: "2026-05-28", until: nil),
    ]

    /// Whether Google serves `model` (with or without `models/`) on `day`.
    static func isServed(_ model: String, on day: String) -> Bool {
        let id = model.hasPrefix("models/") ? String(model.dropFirst("models/".count)) : model
        return all.contains { $0.id == id && $0.from <= day && $0.until.map { day < $0 } ?? true }
    }

    /// The ids served on `day`, with their families.
    static func served(on day: String) -> [(id: String, family: ImageModelFamily)] {
        all.filter { isServed($0.id, on: day) }.compactMap { served in ImageModelFamily.family(ofModel: served.id).map { (served.id, $0) } }
    }

    /// Today in UTC, as the dates above are written.
    static func today(_ now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: now)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}
