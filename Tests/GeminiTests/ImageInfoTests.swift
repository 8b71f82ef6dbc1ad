import Foundation
import Gemini
import Testing

@Suite struct ImageInfoTests {
    @Test func readsPNG() throws {
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        png += [0, 0, 0x05, 0x60, 0, 0, 0x03, 0x00, 8, 2, 0, 0, 0]  // 1376 × 768
        #expect(ImageInfo.read(Data(png)) == ImageInfo(format: .png, width: 1376, height: 768))
    }

    @Test func readsJPEGPastItsAPPSegments() throws {
        var jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]
        jpeg += [0xFF, 0xC0, 0x00, 0x11, 0x08, 0x02, 0xA0, 0x04, 0xB0, 0x03]  // height 672, width 1200
        jpeg += [UInt8](repeating: 0, count: 12)
        #expect(ImageInfo.read(Data(jpeg)) == ImageInfo(format: .jpeg, width: 1200, height: 672))
    }

    @Test func readsTheThreeWebPFlavours() throws {
        func riff(_ chunk: String, _ payload: [UInt8]) -> Data {
            Data(
                Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBP".utf8) + Array(chunk.utf8) + [0, 0, 0, 0] + payload + [UInt8](repeating: 0, count: 16)
            )
        }
        let lossy = riff("VP8 ", [0, 0, 0, 0x9D, 0x01, 0x2A, 0x00, 0x04, 0x00, 0x03])  // 1024 × 768
        #expect(ImageInfo.read(lossy) == ImageInfo(format: .webp, width: 1024, height: 768))
        // VP8L: 14-bit width-1 and height-1 packed after the 0x2F signature: 640 × 480.
        let bits = UInt32(639) | (UInt32(479) << 14)
        let lossless = riff("VP8L", [0x2F, UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)])
        #expect(ImageInfo.read(lossless) == ImageInfo(format: .webp, width: 640, height: 480))
        let extended = riff("VP8X", [0, 0, 0, 0, 0xFF, 0x0F, 0x00, 0xFF, 0x07, 0x00])  // 4096 × 2048
        #expect(ImageInfo.read(extended) == ImageInfo(format: .webp, width: 4096, height: 2048))
    }

    @Test func recognisesHEICByItsBrand() {
        let heic = Data([0, 0, 0, 24] + Array("ftypheic".utf8) + [0, 0, 0, 0] + Array("mif1heic".utf8))
        #expect(ImageInfo.read(heic)?.format == .heic)
    }

    @Test func refusesOtherBytesAndTruncatedHeaders() {
        #expect(ImageInfo.read(Data("GIF89a....".utf8)) == nil)
        #expect(ImageInfo.read(Data([0x89, 0x50, 0x4E, 0x47])) == nil)
        #expect(ImageInfo.read(Data([0xFF, 0xD8, 0xFF])) == nil)
        #expect(ImageInfo.read(Data()) == nil)
    }
}
