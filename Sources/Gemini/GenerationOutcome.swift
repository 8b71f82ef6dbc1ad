import Foundation

/// What a response amounts to. Safety refusals are results, not errors: the call worked and
/// Google said no.
public enum GenerationOutcome: Sendable, Hashable {
    /// At least one (non-thought) image came back.
    case images
    /// The prompt was refused before generation (`promptFeedback.blockReason`).
    case promptBlocked(BlockReason, message: String?)
    /// Generation stopped for a safety or policy reason (`IMAGE_SAFETY`, `PROHIBITED_CONTENT`, ...).
    case candidateBlocked(FinishReason, message: String?)
    /// The model answered without an image (text only, or `NO_IMAGE`).
    case noImage(FinishReason?)
}
