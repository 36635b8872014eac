import { describe, expect, test } from "bun:test";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { negotiateFormat, PrometheusEndpoint, withUnitSuffix } from "./prometheus";

describe("Prometheus exposition names", () => {
  test.each([
    ["http_server_request_duration", "s", "http_server_request_duration_seconds"],
    ["process_memory_usage", "By", "process_memory_usage_bytes"],
    ["process_cpu_time_total", "s", "process_cpu_time_seconds_total"],
    ["first_request_count_total", "1", "first_request_count_total"],
    ["already_seconds", "s", "already_seconds"],
    ["otel_sdk_span_started_total", "{span}", "otel_sdk_span_started_total"],
  ])("%s [%s] → %s", (name, unit, expected) => {
    expect(withUnitSuffix(name, unit)).toBe(expected);
  });

  test("the exporter's output carries the unit suffixes", async () => {
    const endpoint = new PrometheusEndpoint();
    const meter = new MeterProvider({ readers: [endpoint.reader] }).getMeter("t");
    meter.createHistogram("http.server.request.duration", { unit: "s" }).record(0.1);
    meter.createCounter("first.request.count", { unit: "1" }).add(2, { env: "dev" });
    const text = await endpoint.render();
    expect(text).toMatch(/^http_server_request_duration_seconds_count\{[^}]*\} 1$/m);
    expect(text).toMatch(/^# TYPE http_server_request_duration_seconds histogram$/m);
    expect(text).toMatch(/^first_request_count_total\{env="dev"[^}]*\} 2$/m);
  });

  test("a scrape during resource detection waits for it: target_info carries the detected attributes", async () => {
    const endpoint = new PrometheusEndpoint();
    let detect: (id: string) => void = () => {};
    const instanceId = new Promise<string>((resolve) => {
      detect = resolve;
    });
    const resource = resourceFromAttributes({ "service.name": "svc", "service.instance.id": instanceId });
    new MeterProvider({ resource, readers: [endpoint.reader] }).getMeter("t").createCounter("c").add(1);
    const scrape = endpoint.render();
    setTimeout(() => detect("pod-7"), 5);
    expect(await scrape).toMatch(/^target_info\{[^}]*service_instance_id="pod-7"/m);
  });
});

describe("/metrics format negotiation", () => {
  test.each([
    // What Prometheus 2.42 sends when scraping.
    [
      "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
      "openmetrics",
    ],
    ["application/openmetrics-text; version=1.0.0; charset=utf-8", "openmetrics"],
    ["text/plain, application/OpenMetrics-Text;q=0.3", "openmetrics"],
    ["application/openmetrics-text;q=0, text/plain", "prometheus"],
    ["text/plain;version=0.0.4", "prometheus"],
    ["*/*", "prometheus"],
    [null, "prometheus"],
  ] as const)("Accept %p → %s", (accept, format) => {
    expect(negotiateFormat(accept)).toBe(format);
  });
});
