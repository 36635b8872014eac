import type { ISerializer } from "@opentelemetry/otlp-transformer";
import { DataPointType, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { Exemplar, HistogramDataPointWithExemplars } from "../fast-histogram";
import { ProtobufBuffer } from "./protobuf-buffer";

// The metrics SDK's data points have no exemplars and otlp-transformer never writes the proto's `exemplars` field,
// so the SDK's serializers write the request and this adds each histogram data point's exemplars to it afterwards.
// The transformer keeps the order of resource, scopes, metrics and data points, so the n-th HistogramDataPoint in
// the request is the n-th histogram data point of the ResourceMetrics.

type PointExemplars = readonly (Exemplar | undefined)[] | undefined;

/** Per histogram data point, in request order, its bucket exemplars; undefined when no point has any. */
function histogramExemplars(metrics: ResourceMetrics): PointExemplars[] | undefined {
  const points: PointExemplars[] = [];
  let any = false;
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.dataPointType !== DataPointType.HISTOGRAM) continue;
      for (const point of metric.dataPoints as HistogramDataPointWithExemplars[]) {
        points.push(point.bucketExemplars);
        if (point.bucketExemplars?.some((e) => e !== undefined)) any = true;
      }
    }
  }
  return any ? points : undefined;
}

/** Field numbers from the request down to HistogramDataPoint: resource_metrics, scope_metrics, metrics, histogram, data_points. */
const PATH_TO_HISTOGRAM_POINT = [1, 2, 2, 9, 1] as const;
const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;
const TAG_EXEMPLARS = (8 << 3) | WIRE_LEN; // HistogramDataPoint.exemplars = 8
const TAG_TIME = (2 << 3) | WIRE_I64; // Exemplar.time_unix_nano = 2, fixed64
const TAG_AS_DOUBLE = (3 << 3) | WIRE_I64; // Exemplar.as_double = 3
const TAG_SPAN_ID = (4 << 3) | WIRE_LEN; // Exemplar.span_id = 4
const TAG_TRACE_ID = (5 << 3) | WIRE_LEN; // Exemplar.trace_id = 5

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.bytes[this.pos++];
      if (b === undefined) throw new Error("truncated protobuf");
      value += (b & 127) * scale;
      if (b < 128) return value;
      scale *= 128;
    }
  }

  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_I64) this.pos += 8;
    else if (wire === WIRE_LEN) {
      const length = this.varint();
      this.pos += length;
    } else if (wire === WIRE_I32) this.pos += 4;
    else throw new Error(`unexpected protobuf wire type ${wire}`);
  }
}

/**
 * Copies the message in bytes[reader.pos, end) to out, descending into the fields on PATH_TO_HISTOGRAM_POINT and
 * appending its exemplars to every HistogramDataPoint. Everything else is copied byte for byte.
 */
function copyWithExemplars(
  reader: Reader,
  end: number,
  depth: number,
  out: ProtobufBuffer,
  points: PointExemplars[],
  next: { index: number },
): void {
  const field = PATH_TO_HISTOGRAM_POINT[depth];
  while (reader.pos < end) {
    const start = reader.pos;
    const tag = reader.varint();
    if (tag >>> 3 !== field || (tag & 7) !== WIRE_LEN) {
      reader.skip(tag & 7);
      out.raw(reader.bytes.subarray(start, reader.pos));
      continue;
    }
    const length = reader.varint();
    const contentEnd = reader.pos + length;
    out.varint32(tag);
    const nested = out.begin();
    if (depth + 1 < PATH_TO_HISTOGRAM_POINT.length) {
      copyWithExemplars(reader, contentEnd, depth + 1, out, points, next);
    } else {
      out.raw(reader.bytes.subarray(reader.pos, contentEnd));
      reader.pos = contentEnd;
      writeExemplars(out, points[next.index++]);
    }
    out.end(nested);
  }
}

function writeExemplars(out: ProtobufBuffer, exemplars: PointExemplars): void {
  if (!exemplars) return;
  for (const exemplar of exemplars) {
    if (!exemplar) continue;
    out.byte(TAG_EXEMPLARS);
    const start = out.begin();
    out.byte(TAG_TIME);
    const seconds = Math.floor(exemplar.timeUnixMs / 1000);
    out.hrTime(seconds, Math.round((exemplar.timeUnixMs - seconds * 1000) * 1e6));
    out.byte(TAG_AS_DOUBLE);
    out.double(exemplar.value);
    out.byte(TAG_SPAN_ID);
    out.hexId(exemplar.spanId);
    out.byte(TAG_TRACE_ID);
    out.hexId(exemplar.traceId);
    out.end(start);
  }
}

/** The SDK's protobuf request with the histogram data points' exemplars added. */
export function addProtobufExemplars(request: Uint8Array, metrics: ResourceMetrics): Uint8Array {
  const points = histogramExemplars(metrics);
  if (!points) return request;
  const out = new ProtobufBuffer();
  copyWithExemplars(new Reader(request), request.length, 0, out, points, { index: 0 });
  return out.copy();
}

interface JsonRequest {
  resourceMetrics?: { scopeMetrics?: { metrics?: { histogram?: { dataPoints?: Record<string, unknown>[] } }[] }[] }[];
}

/** The SDK's JSON request with the histogram data points' exemplars added (OTLP/JSON: hex ids, string nanoseconds). */
export function addJsonExemplars(request: Uint8Array, metrics: ResourceMetrics): Uint8Array {
  const points = histogramExemplars(metrics);
  if (!points) return request;
  const body = JSON.parse(new TextDecoder().decode(request)) as JsonRequest;
  let index = 0;
  for (const resource of body.resourceMetrics ?? []) {
    for (const scope of resource.scopeMetrics ?? []) {
      for (const metric of scope.metrics ?? []) {
        for (const point of metric.histogram?.dataPoints ?? []) {
          const exemplars = points[index++]?.filter((e) => e !== undefined);
          if (!exemplars?.length) continue;
          point.exemplars = exemplars.map((e) => ({
            timeUnixNano: (BigInt(Math.round(e.timeUnixMs * 1000)) * 1000n).toString(),
            asDouble: e.value,
            spanId: e.spanId,
            traceId: e.traceId,
          }));
        }
      }
    }
  }
  return new TextEncoder().encode(JSON.stringify(body));
}

/** An SDK metrics serializer whose requests carry the fast histograms' exemplars. */
export function withExemplars<Response>(
  serializer: ISerializer<ResourceMetrics, Response>,
  add: (request: Uint8Array, metrics: ResourceMetrics) => Uint8Array,
): ISerializer<ResourceMetrics, Response> {
  return {
    serializeRequest: (metrics) => {
      const request = serializer.serializeRequest(metrics);
      return request && add(request, metrics);
    },
    deserializeResponse: (data) => serializer.deserializeResponse(data),
  };
}
