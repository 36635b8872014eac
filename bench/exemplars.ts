// What keeping exemplars costs per recording of an HTTP duration histogram: FastHistogram.record with no span
// context (traces off), with an unsampled one, and with a sampled one (the exemplar is stored), in one process.
// Usage: npm run bench:exemplars [-- --records 5000000 --rounds 5]     (CPU timing: run alone on the machine)

import { parseArgs } from "node:util";
import { type SpanContext, TraceFlags } from "@opentelemetry/api";
import { FastHistogram } from "../shared/telemetry/fast-histogram";
import { DURATION_BUCKETS_SECONDS } from "../shared/telemetry/metrics";
import { median } from "./lib";

const { values } = parseArgs({
  options: { records: { type: "string", default: "5000000" }, rounds: { type: "string", default: "5" } },
});
const records = Number(values.records);
const rounds = Number(values.rounds);

const keys = ["http.request.method", "url.scheme", "http.response.status_code", "http.route", "error.type"];
const attributes = {
  "http.request.method": "GET",
  "url.scheme": "http",
  "http.response.status_code": 200,
  "http.route": "/fib/:n",
};
const span = (traceFlags: number): SpanContext => ({
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
  traceFlags,
});
const cases: [string, SpanContext | undefined][] = [
  ["no span context", undefined],
  ["unsampled span", span(TraceFlags.NONE)],
  ["sampled span (exemplar kept)", span(TraceFlags.SAMPLED)],
];

/** ns per record(), values spread over the buckets like request durations. */
function nsPerRecord(context: SpanContext | undefined): number {
  const histogram = new FastHistogram("h", "h", "s", DURATION_BUCKETS_SECONDS, keys);
  const started = Bun.nanoseconds();
  for (let i = 0; i < records; i++) histogram.record((i % 1000) / 400, attributes, context);
  return (Bun.nanoseconds() - started) / records;
}

const results = new Map<string, number[]>(cases.map(([name]) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, context] of cases) results.get(name)?.push(nsPerRecord(context));
}
console.log(`| FastHistogram.record (${records} records, median of ${rounds} rounds) | ns per record |`);
console.log("| --- | --- |");
for (const [name, samples] of results) console.log(`| ${name} | ${median(samples).toFixed(1)} |`);
