import CZlib
import Foundation

/// Small previews for galleries, made on the server so a browser never downloads a 4K original
/// to show a thumbnail.
public enum Thumbnail {
    /// A preview at most `maxSide` pixels on its longer side, as PNG (for PNG originals) or
    /// JPEG (for JPEG and WebP ones), with its MIME type; nil when the bytes are none of the
    /// three, cannot be decoded, or declare more pixels than `ImageLimits.maxPixels`. JPEG and
    /// WebP are scaled in their decoders first, so a large original never becomes a full-size
    /// raster.
    public static func preview(from data: Data, maxSide: Int) -> (data: Data, mimeType: String)? {
        let bytes = [UInt8](data.prefix(12))
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            guard let image = PNGDecoder.decode(data) else { return nil }
            return (PNGEncoder.encode(downscale(image, maxSide: maxSide)), "image/png")
        }
        let image: RGBImage?
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            image = JPEGCodec.decode(data, fitting: maxSide)
        } else if bytes.count == 12, bytes[0..<4] == [0x52, 0x49, 0x46, 0x46], bytes[8..<12] == [0x57, 0x45, 0x42, 0x50] {
            image = WebPDecoder.decode(data, fitting: maxSide)
        } else {
            image = nil
        }
        guard let image else { return nil }
        return (JPEGCodec.encode(downscale(image, maxSide: maxSide), quality: 85), "image/jpeg")
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
                let y0 = ty * image.height / height
                let y1 = max(y0 + 1, (ty + 1) * image.height / height)
                for tx in 0..<width {
                    let x0 = tx * image.width / width
                    let x1 = max(x0 + 1, (tx + 1) * image.width / width)
                    var r = 0
                    var g = 0
                    var b = 0
                    for y in y0..<y1 {
                        var i = (y * image.width + x0) * 3
                        for _ in x0..<x1 {
                            r += Int(source[i])
                            g += Int(source[i + 1])
                            b += Int(source[i + 2])
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
