import CZlib
import Foundation

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
