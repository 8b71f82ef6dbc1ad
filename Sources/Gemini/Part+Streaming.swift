import Foundation

extension Part {
    /// Adds a streamed chunk's part to the parts received so far: a text chunk (no inline data,
    /// nothing this client does not model) continues the last part when that is text of the same
    /// kind (thought or answer) and the two are not both signed, and the joined part keeps
    /// whichever signature came; anything else is a part of its own. A signature-only part may
    /// come without `text`: it continues the text as an empty chunk.
    public static func appendStreamed(_ part: Part, to parts: inout [Part]) {
        if part.inlineData == nil, part.unknownFields.isEmpty, part.text != nil || part.thoughtSignature != nil,
            let last = parts.last, let lastText = last.text, last.inlineData == nil,
            last.isThought == part.isThought, last.thoughtSignature == nil || part.thoughtSignature == nil
        {
            parts[parts.count - 1].text = lastText + (part.text ?? "")
            parts[parts.count - 1].thoughtSignature = last.thoughtSignature ?? part.thoughtSignature
        } else {
            parts.append(part)
        }
    }
}
