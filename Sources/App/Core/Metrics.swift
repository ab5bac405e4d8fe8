// Prometheus metrics: requests by route and status, latency, and what the outbox did.
import Foundation
import NIOConcurrencyHelpers
import Prometheus
import Vapor

final class PortalMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
    ]

    /// One request: counted by route pattern, method and status, and its latency recorded by route. The counter and
    /// histogram of each (route, method, status) are looked up in the registry once and kept: asking the registry
    /// (names built, labels compared, under its lock) at every request cost 3 % of a `/health/ready` (`bench/`).
    func request(route: Route?, method: HTTPMethod, status: UInt, duration: Duration) {
        let key = RequestKey(route: route.map(ObjectIdentifier.init), method: method.rawValue, status: status)
        let known = requestSeries.withLockedValue { $0[key] }
        let series = known ?? makeSeries(route: route, method: method, status: status)
        if known == nil { requestSeries.withLockedValue { $0[key] = series } }
        series.count.increment()
        series.latency.record(duration)
    }

    private struct RequestKey: Hashable { let route: ObjectIdentifier?; let method: String; let status: UInt }
    private struct RequestSeries: Sendable { let count: Counter; let latency: DurationHistogram }
    private let requestSeries = NIOLockedValueBox<[RequestKey: RequestSeries]>([:])

    private func makeSeries(route: Route?, method: HTTPMethod, status: UInt) -> RequestSeries {
        // The route's pattern, never the raw path (which would carry ids).
        let pattern = route.map { "/" + $0.path.map(\.description).joined(separator: "/") } ?? "unmatched"
        return RequestSeries(
            count: registry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "portal", metricName: "http_requests", unitName: "total",
                                                 helpText: "HTTP requests by route, method and status"),
                labels: [("route", pattern), ("method", method.rawValue), ("status", String(status))]),
            latency: registry.makeDurationHistogram(
                descriptor: MetricNameDescriptor(namespace: "portal", metricName: "http_request_duration", unitName: "seconds",
                                                 helpText: "HTTP request latency by route"),
                labels: [("route", pattern)],
                buckets: latencyBuckets))
    }

    func outboxResult(_ result: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "portal", metricName: "outbox_send_results", unitName: "total",
                                             helpText: "SMS outbox attempts by result: sent, retry, failed, expired"),
            labels: [("result", result)]
        ).increment()
    }

    /// Requests refused because the database could not be reached, by `DatabaseOutage.kind(of:)`; during a
    /// failover `connection`, `shutdown`, `read_only` and `deadline` rise, then stop.
    func databaseError(_ kind: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "portal", metricName: "database_errors", unitName: "total",
                                             helpText: "Requests answered 503 because the database could not be reached, by kind"),
            labels: [("kind", kind)]
        ).increment()
    }

    /// How long a write transaction waited for a database connection from the pool.
    func databaseConnectionWait(_ wait: Duration) {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "portal", metricName: "database_connection_wait", unitName: "seconds",
                                             helpText: "Time a write transaction waited for a pooled database connection"),
            buckets: latencyBuckets
        ).record(wait)
    }

    /// Age of the oldest SMS still waiting to be sent (0 when none waits).
    func outboxOldest(seconds: Double) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "portal", metricName: "outbox_oldest_queued", unitName: "seconds",
                                             helpText: "Age of the oldest SMS waiting to be sent")
        ).set(seconds)
    }

    func outboxDepth(_ value: Int) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "portal", metricName: "outbox_queued", unitName: "messages",
                                             helpText: "SMS messages waiting to be sent")
        ).set(Double(value))
    }
}

/// Records every request under its route pattern.
struct MetricsMiddleware: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let start = ContinuousClock.now
        return next.respond(to: request).map { response in
            request.application.portal.metrics.request(route: request.route, method: request.method,
                                                       status: response.status.code, duration: ContinuousClock.now - start)
            return response
        }
    }
}
