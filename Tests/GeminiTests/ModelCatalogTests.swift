import Gemini
import Testing

/// Google's catalog as Easel knows it (as of `ModelCatalog.asOf`).
@Suite struct ModelCatalogTests {
    @Test func aShutDownPreviewIsCalledByItsGenerallyAvailableSuccessor() {
        #expect(ModelCatalog.callableID(for: "gemini-3-pro-image-preview", on: "2026-06-24") == "gemini-3-pro-image-preview")
        #expect(ModelCatalog.callableID(for: "gemini-3-pro-image-preview", on: "2026-06-25") == "gemini-3-pro-image")
        #expect(ModelCatalog.callableID(for: "models/gemini-3.1-flash-image-preview", on: "2026-12-02") == "gemini-3.1-flash-image")
        #expect(ModelCatalog.callableID(for: "gemini-3.1-flash-image", on: "2026-12-02") == "gemini-3.1-flash-image")
    }

    /// 2.5 Flash Image's successor draws at other sizes: it is never swapped in silently.
    @Test func aSuccessorOfAnotherFamilyIsNotSwappedIn() {
        #expect(ModelCatalog.isShutDown("gemini-2.5-flash-image", on: "2026-12-02"))
        #expect(ModelCatalog.callableID(for: "gemini-2.5-flash-image", on: "2026-12-02") == "gemini-2.5-flash-image")
        let notice = ModelCatalog.notice(for: "gemini-2.5-flash-image", on: "2026-12-02")
        #expect(notice?.contains("shut gemini-2.5-flash-image down on 2026-10-02") == true)
        #expect(notice?.contains("Move this model to gemini-3.1-flash-image") == true)
        #expect(ModelCatalog.notice(for: "gemini-3-pro-image-preview", on: "2026-12-02")?.contains("sends its calls to gemini-3-pro-image") == true)
        #expect(ModelCatalog.notice(for: "gemini-3-pro-image", on: "2026-12-02") == nil)
    }

    @Test func flashLiteImageIsAFamilyOfItsOwn() throws {
        let lite = try #require(ImageModelFamily.family(ofModel: "gemini-3.1-flash-lite-image"))
        #expect(lite.id == "gemini-3.1-flash-lite-image")
        #expect(lite.aspectRatios.count == 14 && lite.imageSizes == ["1K"] && lite.thinkingLevels == ["minimal", "high"])
        #expect(!lite.supportsGrounding)
        #expect(lite.dimensions(aspectRatio: "16:9", imageSize: "1K")! == (1376, 768))
        #expect(ImageModelFamily.family(ofModel: "gemini-3.1-flash-image")?.id == "gemini-3.1-flash-image")
    }
}
