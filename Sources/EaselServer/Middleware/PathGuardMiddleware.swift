import Hummingbird

/// Refuses paths with a control character in them, raw or percent-encoded (`%00`…`%1F`, `%7F`).
///
/// No route or file has one, and a NUL cuts a path short where it meets the file system:
/// `/login.html%00.js` would otherwise open `login.html` and serve it as JavaScript.
struct PathGuardMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard !Self.hasControlCharacter(request.uri.path) else {
            throw AppError.badRequest("The path contains a control character.", code: "invalid_path")
        }
        return try await next(request, context)
    }

    static func hasControlCharacter(_ path: String) -> Bool {
        let bytes = Array(path.utf8)
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var i = 0
        while i < bytes.count {
            var byte = bytes[i]
            if byte == UInt8(ascii: "%"), i + 2 < bytes.count, let high = hex(bytes[i + 1]), let low = hex(bytes[i + 2]) {
                byte = high << 4 | low
                i += 2
            }
            if byte < 0x20 || byte == 0x7F { return true }
            i += 1
        }
        return false
    }
}
