import CZlib
import Foundation

/// Reads non-interlaced PNGs of every colour type at bit depth 8 (and 16, reduced to 8), which
/// covers what image models return. Returns nil for anything else rather than guessing.
public enum PNGDecoder {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// Refuse rasters larger than this many pixels (a 4K image is 16.8 million).
    public static let maxPixels = ImageLimits.maxPixels

    public static func decode(_ data: Data) -> RGBImage? {
        let bytes = [UInt8](data)
        guard bytes.count > 33, Array(bytes[0..<8]) == signature else { return nil }
        var offset = 8
        var width = 0
        var height = 0
        var bitDepth = 0
        var colorType = 0
        var palette: [UInt8] = []
        var compressed: [UInt8] = []
        while offset + 8 <= bytes.count {
            let length = Int(bytes.readBigEndian(at: offset))
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let start = offset + 8
            guard length >= 0, start + length + 4 <= bytes.count else { return nil }
            let payload = bytes[start..<(start + length)]
            switch type {
            case "IHDR":
                guard length == 13 else { return nil }
                width = Int(bytes.readBigEndian(at: start))
                height = Int(bytes.readBigEndian(at: start + 4))
                bitDepth = Int(bytes[start + 8])
                colorType = Int(bytes[start + 9])
                guard bytes[start + 12] == 0 else { return nil }  // interlaced
            case "PLTE": palette = Array(payload)
            case "IDAT": compressed.append(contentsOf: payload)
            case "IEND": offset = bytes.count
            default: break
            }
            offset = start + length + 4
        }
        guard width > 0, height > 0, width * height <= maxPixels, bitDepth == 8 || (bitDepth == 16 && colorType != 3) else { return nil }
        let channels: Int
        switch colorType {
        case 0: channels = 1
        case 2: channels = 3
        case 3: channels = 1
        case 4: channels = 2
        case 6: channels = 4
        default: return nil
        }
        if colorType == 3, palette.isEmpty { return nil }
        let bytesPerPixel = channels * bitDepth / 8
        let stride = width * bytesPerPixel
        guard let raw = inflate(compressed, expected: (stride + 1) * height) else { return nil }
        guard let rows = unfilter(raw, stride: stride, height: height, bytesPerPixel: bytesPerPixel) else { return nil }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let step = bitDepth / 8  // the high byte of a 16-bit sample comes first
        for i in 0..<(width * height) {
            let base = i * bytesPerPixel
            let (r, g, b): (UInt8, UInt8, UInt8)
            switch colorType {
            case 0, 4:
                let v = rows[base]
                (r, g, b) = (v, v, v)
            case 3:
                let index = Int(rows[base]) * 3
                guard index + 2 < palette.count else { return nil }
                (r, g, b) = (palette[index], palette[index + 1], palette[index + 2])
            default:
                (r, g, b) = (rows[base], rows[base + step], rows[base + 2 * step])
            }
            pixels[i * 3] = r
            pixels[i * 3 + 1] = g
            pixels[i * 3 + 2] = b
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    static func inflate(_ compressed: [UInt8], expected: Int) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: expected)
        var outputLength = uLongf(expected)
        let status = compressed.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                uncompress(target.baseAddress, &outputLength, source.baseAddress, uLong(source.count))
            }
        }
        guard status == Z_OK, Int(outputLength) == expected else { return nil }
        return output
    }

    /// Undoes the per-row filters (none, sub, up, average, Paeth).
    static func unfilter(_ raw: [UInt8], stride: Int, height: Int, bytesPerPixel bpp: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: stride * height)
        let ok = raw.withUnsafeBufferPointer { raw in
            out.withUnsafeMutableBufferPointer { out in
                for y in 0..<height {
                    let filter = raw[y * (stride + 1)]
                    let line = y * (stride + 1) + 1
                    let row = y * stride
                    let previous = row - stride
                    for x in 0..<stride {
                        let a = x >= bpp ? Int(out[row + x - bpp]) : 0
                        let b = y > 0 ? Int(out[previous + x]) : 0
                        let c = x >= bpp && y > 0 ? Int(out[previous + x - bpp]) : 0
                        let predictor: Int
                        switch filter {
                        case 0: predictor = 0
                        case 1: predictor = a
                        case 2: predictor = b
                        case 3: predictor = (a + b) / 2
                        case 4:
                            let p = a + b - c
                            let pa = abs(p - a)
                            let pb = abs(p - b)
                            let pc = abs(p - c)
                            predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                        default: return false
                        }
                        out[row + x] = raw[line + x] &+ UInt8(truncatingIfNeeded: predictor)
                    }
                }
                return true
            }
        }
        return ok ? out : nil
    }
}
