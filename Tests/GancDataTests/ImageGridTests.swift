import Foundation
import GancData
import Testing

@Suite struct ImageGridTests {
  @Test func layoutWithSeparatorsAndUpscale() throws {
    // 2 × 3 tiles of 2 × 2 images, upscaled ×2: 3·4 + 2 separators wide, 2·4 + 1 high.
    let grid = ImageGrid(
      rows: 2, columns: 3, imageHeight: 2, imageWidth: 2, valueRange: 0...4, upscale: 2, separator: 77)
    #expect(grid.width == 14)
    #expect(grid.height == 9)
    #expect(grid.origin(ofTile: 0) == (0, 0))
    #expect(grid.origin(ofTile: 2) == (10, 0))
    #expect(grid.origin(ofTile: 4) == (5, 5))

    // Four images (tiles 4 and 5 stay empty); image i is [i, 1, 2, 4], row-major.
    let images: [Float] = (0..<4).flatMap { i in [Float(i), 1, 2, 4] }
    let bitmap = grid.render(images)
    #expect(bitmap.width == 14 && bitmap.height == 9 && bitmap.format == .gray)

    func level(_ v: Float) -> UInt8 { UInt8((v / 4 * 255).rounded()) }
    for tile in 0..<4 {
      let (x0, y0) = grid.origin(ofTile: tile)
      for r in 0..<2 {
        for c in 0..<2 {
          let expected = level(images[tile * 4 + r * 2 + c])
          for dy in 0..<2 {
            for dx in 0..<2 {
              #expect(bitmap[x0 + 2 * c + dx, y0 + 2 * r + dy] == [expected])
            }
          }
        }
      }
    }
    // Separator column between tiles 0 and 1, separator row between the grid rows.
    for y in 0..<9 { #expect(bitmap[4, y] == [77]) }
    for x in 0..<14 { #expect(bitmap[x, 4] == [77]) }
    // Empty tiles are filled with the separator gray.
    for y in 5..<9 {
      for x in 10..<14 { #expect(bitmap[x, y] == [77]) }
    }

    let decoded = try decodePNG(bitmap.pngData())
    #expect(decoded.width == 14 && decoded.height == 9 && decoded.pixels == bitmap.pixels)
  }

  @Test(arguments: [
    (Float(-1), UInt8(0)), (1, 255), (0, 128), (5, 255), (-5, 0), (.nan, 0), (.infinity, 255), (0.5, 191),
  ])
  func grayLevelsClampAndRound(value: Float, level: UInt8) {
    let grid = ImageGrid(rows: 1, columns: 1, imageHeight: 1, imageWidth: 1)
    #expect(grid.grayLevel(value) == level)
  }

  @Test func digitsSheet() throws {
    // Ten real-shaped 8 × 8 images through the usual −1...1 range into a 2 × 5 sheet, ×4.
    let grid = ImageGrid(rows: 2, columns: 5, imageHeight: 8, imageWidth: 8, upscale: 4)
    let images = (0..<640).map { Float($0 % 17) / 8 - 1 }
    let bitmap = grid.render(images)
    #expect(bitmap.width == 5 * 32 + 4 && bitmap.height == 2 * 32 + 1)
    #expect(try decodePNG(bitmap.pngData()).pixels == bitmap.pixels)
  }
}
