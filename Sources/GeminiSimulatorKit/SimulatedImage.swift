import Foundation
import ImageKit

/// The simulator's images: real PNGs or JPEGs that any decoder opens.
enum SimulatedImage {
    /// An image of `width` × `height` drawn from `seed`, in `mimeType` (`image/png` or
    /// `image/jpeg`, as the model family answers).
    static func pattern(width: Int, height: Int, seed: UInt64, noiseBits: Int = 0, mimeType: String) -> Data {
        let rows = raster(width: width, height: height, seed: seed, noiseBits: noiseBits)
        guard mimeType == "image/jpeg" else { return PNGEncoder.encode(width: width, height: height, rgbRows: rows) }
        var pixels = [UInt8]()
        pixels.reserveCapacity(width * height * 3)
        let rowBytes = 1 + width * 3
        for y in 0..<height { pixels += rows[(y * rowBytes + 1)..<((y + 1) * rowBytes)] }
        return JPEGCodec.encode(RGBImage(width: width, height: height, pixels: pixels), quality: 90)
    }

    /// PNG-filtered rows (a filter byte, then RGB) of bands of colour that differ between seeds,
    /// with `noiseBits` random low bits per channel mixed in (to produce realistically large files).
    static func raster(width: Int, height: Int, seed: UInt64, noiseBits: Int) -> [UInt8] {
        let rowBytes = 1 + width * 3
        var raw = [UInt8](repeating: 0, count: rowBytes * height)
        var rng = SplitMix(seed: seed)
        let base = (UInt8(truncatingIfNeeded: rng.next()), UInt8(truncatingIfNeeded: rng.next()), UInt8(truncatingIfNeeded: rng.next()))
        let band = max(8, min(width, height) / 16)
        raw.withUnsafeMutableBufferPointer { pixels in
            var y = 0
            while y < height {
                let rowStart = y * rowBytes
                pixels[rowStart] = 0  // filter: none
                let bandIndex = y / band
                for x in 0..<width {
                    let i = rowStart + 1 + x * 3
                    let checker = ((x / band) + bandIndex) % 2 == 0
                    let shade = UInt8(truncatingIfNeeded: (x * 255) / max(1, width - 1))
                    pixels[i] = checker ? base.0 : base.0 &+ shade / 2
                    pixels[i + 1] = checker ? base.1 &+ shade / 3 : base.1
                    pixels[i + 2] = UInt8(truncatingIfNeeded: (bandIndex * 37)) &+ base.2
                }
                // Rows inside one band are the same: copy instead of recomputing.
                let bandEnd = min(height, (bandIndex + 1) * band)
                var copy = y + 1
                while copy < bandEnd {
                    let source = UnsafeMutableRawPointer(pixels.baseAddress! + rowStart)
                    (pixels.baseAddress! + copy * rowBytes).update(from: source.assumingMemoryBound(to: UInt8.self), count: rowBytes)
                    copy += 1
                }
                y = bandEnd
            }
            if noiseBits > 0 {
                let mask = UInt8((1 << noiseBits) - 1)
                for row in 0..<height {
                    var i = row * rowBytes + 1
                    let end = (row + 1) * rowBytes
                    while i + 8 <= end {
                        var value = rng.next()
                        withUnsafeBytes(of: &value) { bytes in
                            for k in 0..<8 { pixels[i + k] ^= bytes[k] & mask }
                        }
                        i += 8
                    }
                }
            }
        }
        return raw
    }
}
