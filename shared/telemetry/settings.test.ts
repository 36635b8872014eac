import { describe, expect, test } from "bun:test";
import { ConfigError } from "../config/config";
import { parseTelemetrySettings } from "./settings";

describe("OpenTelemetry environment", () => {
  test("defaults: OTLP/HTTP protobuf to localhost:4318, parent-based always-on, Prometheus pull, no OTLP logs", () => {
    const s = parseTelemetrySettings({}, "first");
    expect(s.serviceName).toBe("first");
    expect(s.traces.otlp).toEqual({ url: "http://localhost:4318/v1/traces", headers: {}, protocol: "http/protobuf" });
    expect([s.traces.exporter, s.traces.sampler, s.traces.samplerArg]).toEqual(["otlp", "parentbased_always_on", 1]);
    expect(s.traces.batch).toEqual({
      scheduledDelayMillis: 5000,
      exportTimeoutMillis: 30000,
      maxQueueSize: 2048,
      maxExportBatchSize: 512,
    });
    expect([s.metrics.prometheus, s.metrics.otlp, s.logs.otlp]).toEqual([true, undefined, undefined]);
  });

  test("endpoints, headers, protocol, sampler and batch settings are honoured", () => {
    const s = parseTelemetrySettings(
      {
        OTEL_SERVICE_NAME: "checkout",
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:9999/custom",
        OTEL_EXPORTER_OTLP_HEADERS: "x-tenant=a,authorization=Bearer%20t",
        OTEL_EXPORTER_OTLP_LOGS_HEADERS: "x-tenant=b",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: "0.25",
        OTEL_BSP_MAX_QUEUE_SIZE: "100",
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "50",
        OTEL_METRICS_EXPORTER: "prometheus,otlp",
        OTEL_LOGS_EXPORTER: "otlp",
      },
      "first",
    );
    expect(s.serviceName).toBe("checkout");
    expect(s.traces.otlp.url).toBe("http://traces:9999/custom");
    expect(s.traces.otlp.headers).toEqual({ "x-tenant": "a", authorization: "Bearer t" });
    expect(s.traces.otlp.protocol).toBe("http/json");
    expect(s.metrics.otlp?.url).toBe("http://collector:4318/v1/metrics");
    expect(s.logs.otlp?.headers).toEqual({ "x-tenant": "b", authorization: "Bearer t" });
    expect([s.traces.sampler, s.traces.samplerArg]).toEqual(["parentbased_traceidratio", 0.25]);
    expect([s.traces.batch.maxQueueSize, s.traces.batch.maxExportBatchSize]).toEqual([100, 50]);
  });

  test("service.name from OTEL_RESOURCE_ATTRIBUTES when OTEL_SERVICE_NAME is unset", () => {
    expect(parseTelemetrySettings({ OTEL_RESOURCE_ATTRIBUTES: "service.name=shop,team=x" }, "first").serviceName).toBe(
      "shop",
    );
  });

  test.each([
    [{ OTEL_TRACES_SAMPLER: "sometimes" }, "OTEL_TRACES_SAMPLER"],
    [{ OTEL_TRACES_SAMPLER_ARG: "1.5" }, "OTEL_TRACES_SAMPLER_ARG"],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }, "OTEL_EXPORTER_OTLP_PROTOCOL"],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }, "OTEL_EXPORTER_OTLP_ENDPOINT"],
    [{ OTEL_BSP_MAX_QUEUE_SIZE: "-1" }, "OTEL_BSP_MAX_QUEUE_SIZE"],
    [{ OTEL_BSP_MAX_QUEUE_SIZE: "10", OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "20" }, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"],
    [{ OTEL_METRICS_EXPORTER: "statsd" }, "OTEL_METRICS_EXPORTER"],
    [{ OTEL_PROPAGATORS: "tracecontext,b3" }, "OTEL_PROPAGATORS"],
    [
      { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: "delta" },
      "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
    ],
    [
      { OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION: "base2_exponential_bucket_histogram" },
      "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION",
    ],
  ])("%p is a start-up error naming %s", (env, name) => {
    expect(() => parseTelemetrySettings(env, "first")).toThrow(ConfigError);
    expect(() => parseTelemetrySettings(env, "first")).toThrow(`${name}=`);
  });

  test.each([
    [undefined, ["tracecontext", "baggage"]],
    ["tracecontext", ["tracecontext"]],
    ["Baggage, tracecontext", ["baggage", "tracecontext"]],
    ["none", []],
    ["tracecontext,none", []],
  ])("OTEL_PROPAGATORS=%p → %p", (value, propagators) => {
    expect<string[]>(parseTelemetrySettings({ OTEL_PROPAGATORS: value }, "first").propagators).toEqual(propagators);
  });
});
