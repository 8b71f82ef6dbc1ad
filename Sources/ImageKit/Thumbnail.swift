import CZlib
import Foundation

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
