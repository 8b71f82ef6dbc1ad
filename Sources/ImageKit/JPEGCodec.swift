import CImageCodecs
import Foundation

/// JPEG decoding and encoding on the system's libjpeg-turbo.
public enum JPEGCodec {
    /// Decodes `data` to RGB. With `fitting`, the decoder itself scales by 1/2, 1/4 or 1/8 while
    /// the longer side stays at least that many pixels, so a 4K original becomes a preview
    /// without a full-size raster in memory. Nil when the bytes are not a JPEG it can read, or
    /// declare more than `maxPixels`.
    public static func decode(_ data: Data, fitting minSide: Int = 0, maxPixels: Int = ImageLimits.maxPixels) -> RGBImage? {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> RGBImage? in
            guard let base = bytes.bindMemory(to: UInt8.self).baseAddress else { return nil }
            var rgb: UnsafeMutablePointer<UInt8>?
            var width: Int32 = 0
            var height: Int32 = 0
            guard easel_jpeg_decode(base, bytes.count, Int32(minSide), maxPixels, &rgb, &width, &height) == 0, let rgb else { return nil }
            defer { easel_codec_free(rgb) }
            return RGBImage(
                width: Int(width),
                height: Int(height),
                pixels: Array(UnsafeBufferPointer(start: rgb, count: Int(width) * Int(height) * 3))
            )
        }
    }

    /// A baseline JPEG of `image` at `quality` (1–100).
    public static func encode(_ image: RGBImage, quality: Int = 90) -> Data {
        image.pixels.withUnsafeBufferPointer { pixels in
            var out: UnsafeMutablePointer<UInt8>?
            var size = 0
            guard easel_jpeg_encode(pixels.baseAddress, Int32(image.width), Int32(image.height), Int32(quality), &out, &size) == 0, let out else {
                return Data()
            }
            defer { easel_codec_free(out) }
            return Data(bytes: out, count: size)
        }
    }
}
