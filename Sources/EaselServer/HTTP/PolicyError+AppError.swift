import EaselCore

extension PolicyError {
    var appError: AppError {
        switch self {
        case .forbidden(let message): return AppError(.forbidden, code: "forbidden", message: message)
        case .notFound: return AppError.notFound()
        }
    }
}
