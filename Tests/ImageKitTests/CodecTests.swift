import EaselTestSupport
import Foundation
import ImageKit
import Testing

/// JPEG and WebP, as Gemini 3 answers and users upload them: decoded, scaled in the decoder,
/// bounded in pixels, and made into previews that fit their bound.
@Suite struct CodecTests {
    static func gradient(width: Int, height: Int) -> RGBImage {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width { pixels += [UInt8(x * 255 / max(1, width - 1)), UInt8(y * 255 / max(1, height - 1)), 128] }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    static let lossyWebP = TestImages.lossyWebP
    static let losslessWebP = TestImages.losslessWebP

    @Test func jpegRoundTripsCloseToTheOriginal() throws {
        let image = Self.gradient(width: 64, height: 32)
        let jpeg = JPEGCodec.encode(image, quality: 95)
        #expect(jpeg.starts(with: [0xFF, 0xD8, 0xFF]))
        let decoded = try #require(JPEGCodec.decode(jpeg))
        #expect(decoded.width == 64 && decoded.height == 32)
        let error = zip(decoded.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 255
        #expect(error < 16, "a smooth gradient at quality 95 stays within a few levels")
    }

    /// The decoder scales by powers of two while the longer side stays at least the bound.
    @Test func jpegIsScaledInTheDecoder() throws {
        let jpeg = JPEGCodec.encode(Self.gradient(width: 2048, height: 1024))
        let scaled = try #require(JPEGCodec.decode(jpeg, fitting: 512))
        #expect(scaled.width == 512 && scaled.height == 256)
        let almost = try #require(JPEGCodec.decode(jpeg, fitting: 600))
        #expect(almost.width == 1024 && almost.height == 512)
    }

    @Test func webpDecodesLossyAndLossless() throws {
        let lossless = try #require(WebPDecoder.decode(Self.losslessWebP))
        #expect(lossless.width == 64 && lossless.height == 48)
        #expect(Array(lossless.pixels.prefix(3)) == [0, 0, 128])
        let lossy = try #require(WebPDecoder.decode(Self.lossyWebP, fitting: 150))
        #expect(lossy.width == 150 && lossy.height == 75)
    }

    @Test func previewsOfJPEGAndWebPFitTheirBound() throws {
        for original in [JPEGCodec.encode(Self.gradient(width: 1376, height: 768)), Self.lossyWebP] {
            let preview = try #require(Thumbnail.preview(from: original, maxSide: 256))
            #expect(preview.mimeType == "image/jpeg")
            let decoded = try #require(JPEGCodec.decode(preview.data))
            #expect(max(decoded.width, decoded.height) == 256, "\(decoded.width)×\(decoded.height)")
        }
    }

    /// An image declaring more pixels than the bound is refused before anything is allocated:
    /// a header is all it takes to claim 60000 × 60000.
    @Test func oversizedAndBrokenImagesAreRefused() {
        var jpeg = JPEGCodec.encode(Self.gradient(width: 16, height: 16))
        #expect(JPEGCodec.decode(jpeg, maxPixels: 100) == nil)
        jpeg.removeLast(jpeg.count / 2)
        // A truncated scan still decodes (libjpeg fills the rest), but garbage does not.
        #expect(JPEGCodec.decode(Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3])) == nil)
        #expect(WebPDecoder.decode(Self.lossyWebP, maxPixels: 1000) == nil)
        #expect(WebPDecoder.decode(Data("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)) == nil)
        #expect(Thumbnail.preview(from: Data("neither".utf8), maxSide: 64) == nil)
    }
}
