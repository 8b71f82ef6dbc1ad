import EaselStore
import EaselTestSupport
import Foundation
import HummingbirdTesting
import Testing

@testable import EaselServer

/// Google's catalog applied to configs: shut-down `-preview` ids are called by their generally
/// available successor, other retired ids are refused, and admins are told.
@Suite struct ModelCatalogAppliedTests {
    /// Against today's Google, a 2.5 config (shut down on 2026-10-02, no successor config) ends
    /// failed with what happened, not Google's bare "not found"; a preview config still runs.
    @Test func aCallToAShutDownIdSaysTheModelWasShutDown() async throws {
        try await withStudioEnvironment(simulatorServedOn: nil) { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            let retired = try #require(studio.models["gemini-2.5-flash-image"])
            let failed = try await studio.client.call(
                .post,
                "/api/v1/generations?wait=30",
                as: key,
                json: #"{"modelId":"\#(retired)","prompt":"a lighthouse"}"#
            )
            #expect(failed.json["status"] == .string("failed"), "\(failed.text)")
            #expect(failed.json["error"]?["code"] == .string("model_shut_down"), "\(failed.text)")
            #expect(failed.json["error"]?["message"]?.stringValue?.contains("shut gemini-2.5-flash-image down on 2026-10-02") == true)
            let preview = try #require(studio.models["gemini-3.1-flash-image-preview"])
            let served = try await studio.client.call(
                .post,
                "/api/v1/generations?wait=30",
                as: key,
                json: #"{"modelId":"\#(preview)","prompt":"a lighthouse"}"#
            )
            #expect(served.json["status"] == .string("succeeded"), "\(served.text)")
        }
    }

    @Test func aShutDownPreviewIdIsCalledByItsSuccessorAndAdminsAreTold() async throws {
        try await withStudioEnvironment { studio in
            let root = try await studio.client.login(studio.world.root.email)
            let preview = try #require(studio.models["gemini-3-pro-image-preview"])
            let view = try await studio.client.call(.get, "/api/v1/models/\(preview)", as: root)
            #expect(view.json["notice"]?.stringValue?.contains("sends its calls to gemini-3-pro-image") == true, "\(view.text)")

            let response = try await studio.client.call(
                .post,
                "/api/v1/generations?wait=30",
                as: .key(studio.world.acmeMemberKey),
                json: #"{"modelId":"\#(preview)","prompt":"a pro lighthouse"}"#
            )
            #expect(response.json["status"] == .string("succeeded"), "\(response.text)")
            let sent = try #require(try await studio.upstreamRequests().last)
            #expect(sent["model"] == .string("gemini-3-pro-image"), "\(sent)")

            // Retired by its own config date with no successor config, it still runs: Google
            // serves a successor of the same family.
            _ = try await studio.client.call(.patch, "/api/v1/models/\(preview)", as: root, json: #"{"deprecationDate":"2026-06-25"}"#)
            let again = try await studio.client.call(
                .post,
                "/api/v1/generations?wait=30",
                as: .key(studio.world.acmeMemberKey),
                json: #"{"modelId":"\#(preview)","prompt":"a pro lighthouse again"}"#
            )
            #expect(again.json["status"] == .string("succeeded"), "\(again.text)")
        }
    }

    /// 2.5 Flash Image's successor draws at other sizes, so a retired 2.5 config is refused, with
    /// the reason, rather than silently moved.
    @Test func aRetiredModelWhoseSuccessorIsAnotherFamilyIsRefused() async throws {
        try await withStudioEnvironment { studio in
            let root = try await studio.client.login(studio.world.root.email)
            let flash25 = try #require(studio.models["gemini-2.5-flash-image"])
            let view = try await studio.client.call(.get, "/api/v1/models/\(flash25)", as: root)
            #expect(view.json["notice"]?.stringValue?.contains("Move this model to gemini-3.1-flash-image") == true, "\(view.text)")
            _ = try await studio.client.call(.patch, "/api/v1/models/\(flash25)", as: root, json: #"{"deprecationDate":"2026-10-02"}"#)
            let refused = try await studio.client.call(
                .post,
                "/api/v1/generations",
                as: .key(studio.world.acmeMemberKey),
                json: #"{"modelId":"\#(flash25)","prompt":"an old banana"}"#
            )
            #expect(refused.status == .conflict && refused.errorCode == "model_retired", "\(refused.text)")
            #expect(try await studio.upstreamRequests().isEmpty)
        }
    }
}
