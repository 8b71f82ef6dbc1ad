import CZlib
import Foundation

/// An 8-bit RGB raster, row after row with no padding.
public struct RGBImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "an RGB raster needs width × height × 3 bytes")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// Writes RGB PNG files.
public enum PNGEncoder {
    /// Encodes a raster as an 8-bit RGB PNG (filter "none" on every row).
    public static func encode(_ image: RGBImage, compressionLevel: Int32 = 6) -> Data {
        let rowBytes = image.width * 3
        var rows = [UInt8](repeating: 0, count: (rowBytes + 1) * image.height)
        image.pixels.withUnsafeBufferPointer { source in
            rows.withUnsafeMutableBufferPointer { target in
                for y in 0..<image.height {
                    let from = source.baseAddress! + y * rowBytes
                    (target.baseAddress! + y * (rowBytes + 1) + 1).update(from: from, count: rowBytes)
                }
            }
        }
        return encode(width: image.width, height: image.height, rgbRows: rows, compressionLevel: compressionLevel)
    }

    /// Wraps filtered RGB rows (`1 + width*3` bytes each, filter byte first) into a PNG file.
    public static func encode(width: Int, height: Int, rgbRows: [UInt8], compressionLevel: Int32 = 1) -> Data {
        var png = Data(PNGDecoder.signature)
        var header = Data()
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        header.append(contentsOf: [8, 2, 0, 0, 0])  // 8-bit, RGB, deflate, adaptive filtering, no interlace
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", deflate(rgbRows, level: compressionLevel), to: &png)
        appendChunk("IEND", Data(), to: &png)
        return png
    }

    static func deflate(_ bytes: [UInt8], level: Int32) -> Data {
        var destinationLength = compressBound(uLong(bytes.count))
        var destination = [UInt8](repeating: 0, count: Int(destinationLength))
        let status = compress2(&destination, &destinationLength, bytes, uLong(bytes.count), level)
        precondition(status == Z_OK, "zlib compress2 failed with \(status)")
        return Data(destination.prefix(Int(destinationLength)))
    }

    static func appendChunk(_ type: String, _ payload: Data, to png: inout Data) {
        png.appendBigEndian(UInt32(payload.count))
        let typeBytes = Data(type.utf8)
        png.append(typeBytes)
        png.append(payload)
        var crc = crc32(0, nil, 0)
        typeBytes.withUnsafeBytes { crc = crc32(crc, $0.bindMemory(to: Bytef.self).baseAddress, uInt($0.count)) }
        payload.withUnsafeBytes { crc = crc32(crc, $0.bindMemory(to: Bytef.self).baseAddress, uInt($0.count)) }
        png.appendBigEndian(UInt32(crc))
    }
}

/// Reads non-interlaced PNGs of every colour type at bit depth 8 (and 16, reduced to 8), which
/// covers what image models return. Returns nil for anything else rather than guessing.
public enum PNGDecoder {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// Refuse rasters larger than this many pixels (a 4K image is 16.8 million).
    public static let maxPixels = 40_000_000

    public static func decode(_ data: Data) -> RGBImage? {
        let bytes = [UInt8](data)
        guard bytes.count > 33, Array(bytes[0..<8]) == signature else { return nil }
        var offset = 8
        var width = 0, height = 0, bitDepth = 0, colorType = 0
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
                            let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
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

/// Small previews for galleries, made on the server so a browser never downloads a 4K original
/// to show a thumbnail.
public enum Thumbnail {
    /// A PNG at most `maxSide` pixels on its longer side, or nil when the image is already that
    /// small or cannot be decoded (only PNG is decoded).
    public static func png(from data: Data, maxSide: Int) -> Data? {
        guard let image = PNGDecoder.decode(data), max(image.width, image.height) > maxSide else { return nil }
        return PNGEncoder.encode(downscale(image, maxSide: maxSide))
    }

    /// Box-filter downscaling: every target pixel is the mean of the source pixels it covers.
    public static func downscale(_ image: RGBImage, maxSide: Int) -> RGBImage {
        let scale = Double(maxSide) / Double(max(image.width, image.height))
        guard scale < 1 else { return image }
        let width = max(1, Int((Double(image.width) * scale).rounded()))
        let height = max(1, Int((Double(image.height) * scale).rounded()))
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        image.pixels.withUnsafeBufferPointer { source in
            for ty in 0..<height {
                let y0 = ty * image.height / height, y1 = max(y0 + 1, (ty + 1) * image.height / height)
                for tx in 0..<width {
                    let x0 = tx * image.width / width, x1 = max(x0 + 1, (tx + 1) * image.width / width)
                    var r = 0, g = 0, b = 0
                    for y in y0..<y1 {
                        var i = (y * image.width + x0) * 3
                        for _ in x0..<x1 {
                            r += Int(source[i]); g += Int(source[i + 1]); b += Int(source[i + 2])
                            i += 3
                        }
                    }
                    let count = (y1 - y0) * (x1 - x0)
                    let t = (ty * width + tx) * 3
                    pixels[t] = UInt8(r / count)
                    pixels[t + 1] = UInt8(g / count)
                    pixels[t + 2] = UInt8(b / count)
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}

extension Data {
    mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
    }
}

extension [UInt8] {
    func readBigEndian(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8 | UInt32(self[offset + 3])
    }
}
