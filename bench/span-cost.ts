// Where a traced request's CPU goes inside one process, without HTTP: the SDK's span lifecycle for the two spans of
// GET /fib/10 (SERVER + fibonacci: extract, start, attributes, context.with, end), then the same plus encoding every
// batch of 512 with twinbin's encoder, and with the SDK's own serializer. Median of interleaved rounds.
// Usage: npm run bench:span-cost [-- --rounds 7]
import { parseArgs } from "node:util";
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  type ReadableSpan,
  type Sampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { OtlpSpanEncoder } from "../shared/telemetry/otlp/span-encoder";
import { serviceResource } from "../shared/telemetry/resource";
import { median } from "./lib";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "7" } } });
const REQUESTS = 100_000;

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const headers = new Headers({ "user-agent": "wrk/4.2" });
const getter = { get: (h: Headers, k: string) => h.get(k) ?? undefined, keys: (h: Headers) => [...h.keys()] };
const resource = serviceResource("first", "0.1.0", "dev");

/** µs per request for the span work of GET /fib/10 under `sampler`, encoding each 512 ended spans with `encode`. */
function perRequest(sampler: Sampler, encode: ((spans: ReadableSpan[]) => unknown) | undefined): number {
  let ended: ReadableSpan[] = [];
  const provider = new TracerProvider({
    resource,
    sampler,
    spanProcessors: [
      {
        onStart() {},
        onEnd(span) {
          ended.push(span);
          if (ended.length === 512) {
            encode?.(ended);
            ended = [];
          }
        },
        forceFlush: async () => {},
        shutdown: async () => {},
      },
    ],
  });
  const tracer = provider.getTracer("twinbin", "0.1.0");
  const request = () => {
    const parent = propagation.extract(ROOT_CONTEXT, headers, getter);
    const span = tracer.startSpan("GET", { kind: SpanKind.SERVER }, parent);
    if (span.isRecording()) {
      span.setAttributes({
        "http.request.method": "GET",
        "url.path": "/fib/10",
        "url.scheme": "http",
        "server.address": "127.0.0.1",
        "server.port": 5000,
        "client.address": "127.0.0.1",
        "user_agent.original": "wrk/4.2",
      });
    }
    context.with(trace.setSpan(parent, span), () => {
      tracer.startActiveSpan("fibonacci", { attributes: { "fib.n": 10 } }, (child) => child.end());
    });
    if (span.isRecording()) {
      span.updateName("GET /fib/:n");
      span.setAttributes({ "http.response.status_code": 200, "http.route": "/fib/:n" });
    }
    span.end();
  };
  for (let i = 0; i < REQUESTS / 4; i++) request();
  const started = performance.now();
  for (let i = 0; i < REQUESTS; i++) request();
  return ((performance.now() - started) * 1000) / REQUESTS;
}

const encoder = new OtlpSpanEncoder();
const variants: Record<string, () => number> = {
  "not sampled (always_off): extract, context, non-recording spans": () =>
    perRequest(new AlwaysOffSampler(), undefined),
  "sampled, spans only (no encoding)": () => perRequest(new AlwaysOnSampler(), undefined),
  "sampled + twinbin's encoder": () => perRequest(new AlwaysOnSampler(), (spans) => encoder.encode(spans)),
  "sampled + the SDK's ProtobufTraceSerializer": () =>
    perRequest(new AlwaysOnSampler(), (spans) => ProtobufTraceSerializer.serializeRequest(spans)),
};
const samples: Record<string, number[]> = {};
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, run] of Object.entries(variants)) samples[name] = [...(samples[name] ?? []), run()];
}
console.log(`Span work of one GET /fib/10 (2 spans), in-process, median of ${values.rounds} interleaved rounds:\n`);
console.log("| variant | µs per request | min–max |\n|---|---:|---:|");
for (const [name, list] of Object.entries(samples)) {
  const range = `${Math.min(...list).toFixed(2)}–${Math.max(...list).toFixed(2)}`;
  console.log(`| ${name} | ${median(list).toFixed(2)} | ${range} |`);
}
