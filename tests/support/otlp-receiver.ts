// An OTLP/HTTP receiver inside the test process: accepts /v1/traces, /v1/logs and /v1/metrics as protobuf or JSON
// (whatever the exporter under test sends) and keeps what arrived in one normalised shape for assertions.
import protobuf from "protobufjs";

// The subset of opentelemetry-proto (collector/{trace,logs,metrics}/v1, trace/v1, logs/v1, metrics/v1, common/v1,
// resource/v1) that the assertions read; field numbers as in the upstream .proto files.
const PROTO = `
syntax = "proto3";
package otlp;
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3;
  double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message Resource { repeated KeyValue attributes = 1; }
message InstrumentationScope { string name = 1; string version = 2; }
message Status { string message = 2; int32 code = 3; }
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4;
  fixed32 flags = 6; }
message Span { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4;
  string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; repeated Event events = 11; repeated Link links = 13; Status status = 15;
  fixed32 flags = 16; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message LogRecord { fixed64 time_unix_nano = 1; int32 severity_number = 2; string severity_text = 3;
  AnyValue body = 5; repeated KeyValue attributes = 6; fixed32 flags = 8; bytes trace_id = 9; bytes span_id = 10; }
message ScopeLogs { InstrumentationScope scope = 1; repeated LogRecord log_records = 2; }
message ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; }
message ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }
message Exemplar { fixed64 time_unix_nano = 2; double as_double = 3; bytes span_id = 4; bytes trace_id = 5;
  repeated KeyValue filtered_attributes = 7; }
message HistogramDataPoint { fixed64 count = 4; repeated Exemplar exemplars = 8; repeated KeyValue attributes = 9; }
message Histogram { repeated HistogramDataPoint data_points = 1; }
message Metric { string name = 1; Histogram histogram = 9; }
message ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
`;
const root = protobuf.parse(PROTO).root;
const TraceRequest = root.lookupType("otlp.ExportTraceServiceRequest");
const LogsRequest = root.lookupType("otlp.ExportLogsServiceRequest");
const MetricsRequest = root.lookupType("otlp.ExportMetricsServiceRequest");

export type AttributeType = "string" | "int" | "double" | "bool" | "array" | "kvlist" | "bytes";
export type Attributes = Record<string, unknown>;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Attributes;
  attributeTypes: Record<string, AttributeType>;
  events: { name: string; attributes: Attributes }[];
  links: { traceId: string; spanId: string; traceState: string }[];
  status: { code: number; message: string };
  resource: Attributes;
  scope: string;
}

export interface ReceivedLog {
  severityText: string;
  body: unknown;
  traceId: string;
  spanId: string;
  attributes: Attributes;
  resource: Attributes;
}

/** One pushed histogram data point, with the exemplars it carried. */
export interface ReceivedHistogramPoint {
  metric: string;
  count: number;
  attributes: Attributes;
  exemplars: { traceId: string; spanId: string; value: number; timeUnixNano: string; filteredAttributes: number }[];
  resource: Attributes;
}

type Json = Record<string, unknown>;

const hex = (value: unknown): string => {
  if (typeof value !== "string" || value === "") return "";
  // OTLP/JSON carries ids as hex; protobufjs's toObject gives base64 for bytes.
  return /^[0-9a-f]+$/i.test(value) && (value.length === 32 || value.length === 16)
    ? value.toLowerCase()
    : Buffer.from(value, "base64").toString("hex");
};

function anyValue(value: Json | undefined): [unknown, AttributeType] {
  if (!value) return [undefined, "string"];
  if ("stringValue" in value) return [value.stringValue, "string"];
  if ("boolValue" in value) return [value.boolValue, "bool"];
  if ("intValue" in value) return [Number(value.intValue), "int"];
  if ("doubleValue" in value) return [Number(value.doubleValue), "double"];
  if ("arrayValue" in value) {
    const values = ((value.arrayValue as Json).values as Json[] | undefined) ?? [];
    return [values.map((v) => anyValue(v)[0]), "array"];
  }
  if ("kvlistValue" in value) {
    return [attributes(((value.kvlistValue as Json).values as Json[] | undefined) ?? [])[0], "kvlist"];
  }
  if ("bytesValue" in value) return [value.bytesValue, "bytes"];
  return [undefined, "string"];
}

function attributes(list: Json[] | undefined): [Attributes, Record<string, AttributeType>] {
  const values: Attributes = {};
  const types: Record<string, AttributeType> = {};
  for (const kv of list ?? []) {
    const [value, type] = anyValue(kv.value as Json | undefined);
    values[kv.key as string] = value;
    types[kv.key as string] = type;
  }
  return [values, types];
}

function decode(body: Uint8Array, contentType: string, type: protobuf.Type): Json {
  if (contentType.includes("json")) return JSON.parse(new TextDecoder().decode(body)) as Json;
  return type.toObject(type.decode(body), { longs: String, bytes: String, enums: Number }) as Json;
}

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly logs: ReceivedLog[] = [];
  readonly histogramPoints: ReceivedHistogramPoint[] = [];
  readonly requests: { path: string; contentType: string }[] = [];
  private server: ReturnType<typeof Bun.serve> | undefined;

  get url(): string {
    if (!this.server) throw new Error("receiver not started");
    return `http://127.0.0.1:${this.server.port}`;
  }

  start(): this {
    this.server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (request) => {
        const path = new URL(request.url).pathname;
        const contentType = request.headers.get("content-type") ?? "";
        this.requests.push({ path, contentType });
        const body = new Uint8Array(await request.arrayBuffer());
        if (path === "/v1/traces") this.addTraces(decode(body, contentType, TraceRequest));
        if (path === "/v1/logs") this.addLogs(decode(body, contentType, LogsRequest));
        if (path === "/v1/metrics") this.addMetrics(decode(body, contentType, MetricsRequest));
        return contentType.includes("json")
          ? Response.json({})
          : new Response(new Uint8Array(), { headers: { "content-type": "application/x-protobuf" } });
      },
    });
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.stop(true);
  }

  /** Resolves once `predicate` holds for what has arrived, or rejects after `timeoutMs`. */
  async waitFor(predicate: (r: this) => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      if (Date.now() > deadline) {
        throw new Error(
          `OTLP receiver: condition not met in ${timeoutMs} ms (${this.spans.length} spans, ${this.logs.length} logs)`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  spansOf(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  private addTraces(request: Json) {
    for (const rs of (request.resourceSpans as Json[] | undefined) ?? []) {
      const [resource] = attributes(((rs.resource as Json | undefined)?.attributes as Json[]) ?? []);
      for (const ss of (rs.scopeSpans as Json[] | undefined) ?? []) {
        for (const span of (ss.spans as Json[] | undefined) ?? []) {
          const [attrs, types] = attributes(span.attributes as Json[]);
          const status = (span.status as Json | undefined) ?? {};
          this.spans.push({
            traceId: hex(span.traceId),
            spanId: hex(span.spanId),
            parentSpanId: hex(span.parentSpanId),
            name: span.name as string,
            kind: Number(span.kind ?? 0),
            attributes: attrs,
            attributeTypes: types,
            events: ((span.events as Json[] | undefined) ?? []).map((e) => ({
              name: e.name as string,
              attributes: attributes(e.attributes as Json[])[0],
            })),
            links: ((span.links as Json[] | undefined) ?? []).map((l) => ({
              traceId: hex(l.traceId),
              spanId: hex(l.spanId),
              traceState: (l.traceState as string | undefined) ?? "",
            })),
            status: { code: Number(status.code ?? 0), message: (status.message as string | undefined) ?? "" },
            resource,
            scope: ((ss.scope as Json | undefined)?.name as string | undefined) ?? "",
          });
        }
      }
    }
  }

  private addLogs(request: Json) {
    for (const rl of (request.resourceLogs as Json[] | undefined) ?? []) {
      const [resource] = attributes(((rl.resource as Json | undefined)?.attributes as Json[]) ?? []);
      for (const sl of (rl.scopeLogs as Json[] | undefined) ?? []) {
        for (const record of (sl.logRecords as Json[] | undefined) ?? []) {
          this.logs.push({
            severityText: (record.severityText as string | undefined) ?? "",
            body: anyValue(record.body as Json | undefined)[0],
            traceId: hex(record.traceId),
            spanId: hex(record.spanId),
            attributes: attributes(record.attributes as Json[])[0],
            resource,
          });
        }
      }
    }
  }

  private addMetrics(request: Json) {
    for (const rm of (request.resourceMetrics as Json[] | undefined) ?? []) {
      const [resource] = attributes(((rm.resource as Json | undefined)?.attributes as Json[]) ?? []);
      for (const sm of (rm.scopeMetrics as Json[] | undefined) ?? []) {
        for (const metric of (sm.metrics as Json[] | undefined) ?? []) {
          const histogram = metric.histogram as Json | undefined;
          for (const point of (histogram?.dataPoints as Json[] | undefined) ?? []) {
            this.histogramPoints.push({
              metric: metric.name as string,
              count: Number(point.count ?? 0),
              attributes: attributes(point.attributes as Json[])[0],
              exemplars: ((point.exemplars as Json[] | undefined) ?? []).map((e) => ({
                traceId: hex(e.traceId),
                spanId: hex(e.spanId),
                value: Number(e.asDouble),
                timeUnixNano: String(e.timeUnixNano),
                filteredAttributes: ((e.filteredAttributes as Json[] | undefined) ?? []).length,
              })),
              resource,
            });
          }
        }
      }
    }
  }
}
