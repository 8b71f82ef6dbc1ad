import EaselStore
import Foundation
import Logging
import PostgresNIO

/// Usage figures and the quota check on a tenant with many generations (seeded by
/// `deploy/bench.sh`), against a baseline in the same run: the same sums computed by scanning
/// `generations`, as the figures were before the daily roll-up.
///
///     EaselBench usage DATABASE_URL TENANT_ID USER_ID
extension EaselBench {
    static func usage(databaseURL: String, tenantID: UUID, userID: UUID) async throws {
        let logger = Logger(label: "easel.bench")
        let configuration = try DatabaseURL(databaseURL).clientConfiguration(maximumConnections: 2)
        try await PostgresClient.withRunning(configuration, logger: logger) { client in
            let usage = UsageStore(client: client, logger: logger)
            let admission = AdmissionStore(client: client, logger: logger)
            let day: TimeInterval = 86400
            let tomorrow = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / day).rounded(.down) * day + day)
            let from = tomorrow.addingTimeInterval(-31 * day)

            let figures = try await median {
                _ = try await usage.figures(tenantID: tenantID, from: from, to: tomorrow, groupBy: .day)
            }
            let scan = try await median {
                _ = try await client.query(
                    """
                    SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), count(*), count(*) FILTER (WHERE status = 'succeeded'),
                        sum(image_count), sum(prompt_tokens), sum(output_tokens), sum(image_tokens), sum(thought_tokens),
                        sum(cost_micros), percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE status = 'succeeded'),
                        percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE status = 'succeeded')
                    FROM generations WHERE tenant_id = \(tenantID) AND created_at >= \(from) AND created_at < \(tomorrow)
                    GROUP BY 1 ORDER BY 1
                    """,
                    logger: logger
                ).collect()
            }
            report("usage, 31 days by day", figures, scan)

            let month = try await median { _ = try await admission.monthlyUsage(tenantID: tenantID, userID: userID) }
            let monthScan = try await median {
                _ = try await client.query(
                    """
                    SELECT sum(image_count), sum(total_tokens), sum(image_count) FILTER (WHERE user_id = \(userID))
                    FROM generations WHERE tenant_id = \(tenantID)
                      AND created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                    """,
                    logger: logger
                ).collect()
            }
            report("quota check, this month", month, monthScan)
        }
    }

    /// The median of seven timed runs after one warm-up, in milliseconds.
    static func median(_ body: () async throws -> Void) async throws -> Double {
        try await body()
        var times: [Double] = []
        for _ in 0..<7 {
            let started = ContinuousClock.now
            try await body()
            let elapsed = ContinuousClock.now - started
            times.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        return times.sorted()[times.count / 2]
    }

    static func report(_ name: String, _ measured: Double, _ baseline: Double) {
        print(
            #"{"case":"\#(name)","easel_p50_ms":"\#(String(format: "%.1f", measured))","#
                + #""scan_baseline_p50_ms":"\#(String(format: "%.1f", baseline))","speedup":"\#(String(format: "%.1f", baseline / measured))"}"#
        )
    }
}
