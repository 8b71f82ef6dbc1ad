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
