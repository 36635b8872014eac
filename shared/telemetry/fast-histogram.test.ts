import { describe, expect, test } from "bun:test";
import { FastHistogram, FastHistogramProducer } from "./fast-histogram";

const BOUNDARIES = [0.005, 0.01, 0.1, 1];
const histogram = () =>
  new FastHistogram("http.server.request.duration", "d", "s", BOUNDARIES, ["http.request.method", "http.route"]);
const points = (h: FastHistogram) => h.snapshot([0, 0]).dataPoints;

describe("FastHistogram", () => {
  test("a value equal to a boundary falls in that bucket (le); 0 in the first; huge values in the last", () => {
    const h = histogram();
    const get = { "http.request.method": "GET", "http.route": "/" };
    for (const value of [0, 0.005, 0.0050001, 1, 1e12, Number.MAX_VALUE]) h.record(value, get);
    const [point] = points(h);
    expect(point?.value.buckets).toEqual({ boundaries: BOUNDARIES, counts: [2, 1, 0, 1, 2] });
    expect(point?.value.count).toBe(6);
    expect(point?.value.min).toBe(0);
    expect(point?.value.max).toBe(Number.MAX_VALUE);
  });

  test("one series per attribute set, keyed only by the declared keys, attributes kept as first recorded", () => {
    const h = histogram();
    h.record(0.5, { "http.request.method": "GET", "http.route": "/a" });
    h.record(0.5, { "http.request.method": "GET", "http.route": "/b" });
    h.record(0.25, { "http.request.method": "GET", "http.route": "/a" });
    const series = points(h).map((p) => [p.attributes["http.route"], p.value.count, p.value.sum]);
    expect(series).toEqual([
      ["/a", 2, 0.75],
      ["/b", 1, 0.5],
    ]);
  });

  test("a request without a route and one with a route are separate series", () => {
    const h = histogram();
    h.record(1, { "http.request.method": "GET" });
    h.record(1, { "http.request.method": "GET", "http.route": "/x" });
    expect(points(h)).toHaveLength(2);
  });

  test("an absent attribute and an empty one are one series, as in Prometheus; equal arrays are one series", () => {
    const h = histogram();
    h.record(1, { "http.request.method": "GET" });
    h.record(1, { "http.request.method": "GET", "http.route": "" });
    h.record(1, { "http.request.method": ["GET", "HEAD"], "http.route": "/" });
    h.record(1, { "http.request.method": ["GET", "HEAD"], "http.route": "/" });
    expect(points(h).map((p) => p.value.count)).toEqual([2, 2]);
  });

  test("past 2000 attribute sets, new sets go to one overflow series and nothing is lost", () => {
    const h = histogram();
    for (let i = 0; i < 2500; i++) h.record(0.001, { "http.request.method": "GET", "http.route": `/r${i}` });
    h.record(0.001, { "http.request.method": "GET", "http.route": "/r0" });
    const all = points(h);
    expect(all).toHaveLength(2001);
    const overflow = all.filter((p) => p.attributes["otel.metric.overflow"] === true);
    expect(overflow.map((p) => p.value.count)).toEqual([500]);
    expect(all.reduce((n, p) => n + p.value.count, 0)).toBe(2501);
  });

  test("a snapshot is a copy: later recordings do not change it", () => {
    const h = histogram();
    h.record(0.5, { "http.request.method": "GET", "http.route": "/" });
    const before = points(h)[0]?.value.buckets.counts.slice();
    const snapshot = points(h);
    h.record(0.5, { "http.request.method": "GET", "http.route": "/" });
    expect(snapshot[0]?.value.buckets.counts).toEqual(before ?? []);
  });

  test("the producer hands every histogram to the readers", async () => {
    const a = histogram();
    a.record(0.1, { "http.request.method": "GET", "http.route": "/" });
    const producer = new FastHistogramProducer({ name: "twinbin", version: "1" }, [a, histogram()]);
    const { resourceMetrics, errors } = await producer.collect();
    expect(errors).toEqual([]);
    expect(resourceMetrics.scopeMetrics[0]?.metrics.map((m) => m.dataPoints.length)).toEqual([1, 0]);
  });
});
