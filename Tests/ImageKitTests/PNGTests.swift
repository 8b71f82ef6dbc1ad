import Foundation
import ImageKit
import Testing

@Suite struct PNGTests {
    /// A raster whose every pixel differs, so a wrong filter or offset changes the result.
    static func gradient(width: Int, height: Int) -> RGBImage {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                pixels += [UInt8((x * 7 + y * 3) % 256), UInt8((x * y) % 256), UInt8((255 - x - y * 5) & 0xFF)]
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    @Test func encodedImagesDecodeToTheSamePixels() throws {
        let image = Self.gradient(width: 37, height: 21)
        let decoded = try #require(PNGDecoder.decode(PNGEncoder.encode(image)))
        #expect(decoded == image)
    }

    /// Rows written with each of PNG's five filters (as other encoders choose them) decode back.
    @Test(arguments: 0...4) func everyRowFilterIsUndone(filter: UInt8) throws {
        let image = Self.gradient(width: 9, height: 6)
        let stride = image.width * 3
        var rows: [UInt8] = []
        for y in 0..<image.height {
            rows.append(filter)
            for x in 0..<stride {
                let raw = Int(image.pixels[y * stride + x])
                let a = x >= 3 ? Int(image.pixels[y * stride + x - 3]) : 0
                let b = y > 0 ? Int(image.pixels[(y - 1) * stride + x]) : 0
                let c = x >= 3 && y > 0 ? Int(image.pixels[(y - 1) * stride + x - 3]) : 0
                let predictor: Int
                switch filter {
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c
                    let pa = abs(p - a)
                    let pb = abs(p - b)
                    let pc = abs(p - c)
                    predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: predictor = 0
                }
                rows.append(UInt8(truncatingIfNeeded: raw - predictor))
            }
        }
        let png = PNGEncoder.encode(width: image.width, height: image.height, rgbRows: rows)
        #expect(PNGDecoder.decode(png) == image)
    }

    @Test func refusesWhatIsNotAPNG() {
        #expect(PNGDecoder.decode(Data("not a png at all, not even close to one".utf8)) == nil)
        var truncated = PNGEncoder.encode(Self.gradient(width: 20, height: 20))
        truncated.removeLast(40)
        #expect(PNGDecoder.decode(truncated) == nil)
    }

    @Test func thumbnailsFitTheLongerSideAndKeepTheShape() throws {
        let large = PNGEncoder.encode(Self.gradient(width: 400, height: 100))
        let preview = try #require(Thumbnail.preview(from: large, maxSide: 128))
        #expect(preview.mimeType == "image/png")
        let decoded = try #require(PNGDecoder.decode(preview.data))
        #expect(decoded.width == 128 && decoded.height == 32)
        #expect(preview.data.count < large.count)
    }

    @Test func downscalingAveragesTheCoveredPixels() {
        let image = RGBImage(width: 2, height: 2, pixels: [0, 0, 0, 200, 100, 50, 100, 50, 0, 100, 50, 250])
        let one = Thumbnail.downscale(image, maxSide: 1)
        #expect(one.pixels == [100, 50, 75])
    }
}
