import CImageCodecs
import Foundation

/// WebP decoding (lossy and lossless; alpha dropped) on the system's libwebp.
public enum WebPDecoder {
    /// Decodes `data` to RGB, scaled by the decoder to `fitting` pixels on the longer side when
    /// larger. Nil when the bytes are not a WebP it can read, or declare more than `maxPixels`.
    public static func decode(_ data: Data, fitting maxSide: Int = 0, maxPixels: Int = ImageLimits.maxPixels) -> RGBImage? {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> RGBImage? in
            guard let base = bytes.bindMemory(to: UInt8.self).baseAddress else { return nil }
            var rgb: UnsafeMutablePointer<UInt8>?
            var width: Int32 = 0
            var height: Int32 = 0
            guard easel_webp_decode(base, bytes.count, Int32(maxSide), maxPixels, &rgb, &width, &height) == 0, let rgb else { return nil }
            defer { easel_codec_free(rgb) }
            return RGBImage(
                width: Int(width),
                height: Int(height),
                pixels: Array(UnsafeBufferPointer(start: rgb, count: Int(width) * Int(height) * 3))
            )
        }
    }
}
