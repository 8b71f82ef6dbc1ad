import Foundation

/// The format and pixel size of an image, read from its first bytes.
///
/// Easel checks uploads by their bytes, never by their declared type, and reads the real size of
/// every returned image to see whether the requested aspect ratio and size were honoured.
public struct ImageInfo: Sendable, Hashable {
    public enum Format: String, Sendable, CaseIterable {
        case png, jpeg, webp, heic, heif

        public var mimeType: String { "image/\(rawValue)" }
    }

    public var format: Format
    /// Pixel width and height; nil for HEIC/HEIF, whose size this reader does not parse.
    public var width: Int?
    public var height: Int?

    public init(format: Format, width: Int? = nil, height: Int? = nil) {
        self.format = format
        self.width = width
        self.height = height
    }

    /// Reads `data`'s header; nil when it is none of the supported formats, or is cut short.
    public static func read(_ data: Data) -> ImageInfo? {
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            return read(bytes)
        }
    }

    static func read(_ b: UnsafeBufferPointer<UInt8>) -> ImageInfo? {
        func be16(_ i: Int) -> Int { Int(b[i]) << 8 | Int(b[i + 1]) }
        func be32(_ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }
        func le16(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
        func le24(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 }
        func ascii(_ i: Int, _ s: String) -> Bool {
            let u = Array(s.utf8)
            guard i + u.count <= b.count else { return false }
            return (0..<u.count).allSatisfy { b[i + $0] == u[$0] }
        }

        // PNG: signature, then the IHDR chunk with width and height.
        if b.count >= 24, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A].elementsEqual(b.prefix(8)), ascii(12, "IHDR") {
            return ImageInfo(format: .png, width: be32(16), height: be32(20))
        }
        // JPEG: walk the segments to the first start-of-frame marker.
        if b.count >= 4, b[0] == 0xFF, b[1] == 0xD8 {
            var i = 2
            while i + 9 < b.count {
                guard b[i] == 0xFF else { return nil }
                let marker = b[i + 1]
                if marker == 0xFF {
                    i += 1
                    continue
                }
                if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) {
                    i += 2
                    continue
                }
                let length = be16(i + 2)
                let isFrame = (0xC0...0xCF).contains(marker) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
                if isFrame {
                    return ImageInfo(format: .jpeg, width: be16(i + 7), height: be16(i + 5))
                }
                i += 2 + length
            }
            return nil
        }
        // WebP: RIFF container with a VP8, VP8L or VP8X chunk.
        if b.count >= 30, ascii(0, "RIFF"), ascii(8, "WEBP") {
            if ascii(12, "VP8 "), b[23] == 0x9D, b[24] == 0x01, b[25] == 0x2A {
                return ImageInfo(format: .webp, width: le16(26) & 0x3FFF, height: le16(28) & 0x3FFF)
            }
            if ascii(12, "VP8L"), b[20] == 0x2F {
                let bits = Int(b[21]) | Int(b[22]) << 8 | Int(b[23]) << 16 | Int(b[24]) << 24
                return ImageInfo(format: .webp, width: (bits & 0x3FFF) + 1, height: ((bits >> 14) & 0x3FFF) + 1)
            }
            if ascii(12, "VP8X") {
                return ImageInfo(format: .webp, width: le24(24) + 1, height: le24(27) + 1)
            }
            return nil
        }
        // HEIC/HEIF: an ISO-BMFF `ftyp` box naming a HEIF brand.
        if b.count >= 12, ascii(4, "ftyp") {
            let boxSize = min(be32(0), b.count)
            var brands: [String] = []
            var i = 8
            while i + 4 <= boxSize {
                if i != 12 { brands.append(String(decoding: UnsafeBufferPointer(rebasing: b[i..<(i + 4)]), as: UTF8.self)) }
                i += 4
            }
            if brands.contains(where: { ["heic", "heix", "heim", "heis", "hevc", "hevx"].contains($0) }) {
                return ImageInfo(format: .heic)
            }
            if brands.contains(where: { ["mif1", "msf1", "heif"].contains($0) }) {
                return ImageInfo(format: .heif)
            }
        }
        return nil
    }
}
