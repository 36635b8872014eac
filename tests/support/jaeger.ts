// Traces as Jaeger's query API (/api/traces) returns them, and how the tests walk them.

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  processID: string;
  references?: { refType: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags?: { key: string; value: unknown }[] }>;
}

/** Reads `trace`'s spans: service, kind, tags and parent of each, and a span's child by service and kind. */
export function traceReader(trace: JaegerTrace) {
  const service = (s: JaegerSpan) => trace.processes[s.processID]?.serviceName;
  /** A resource attribute of the span's process (Jaeger keeps them as process tags). */
  const processTag = (s: JaegerSpan, key: string) =>
    trace.processes[s.processID]?.tags?.find((t) => t.key === key)?.value;
  const tag = (s: JaegerSpan, key: string) => s.tags.find((t) => t.key === key)?.value;
  const kind = (s: JaegerSpan) => tag(s, "span.kind");
  const parentOf = (s: JaegerSpan) => s.references?.find((r) => r.refType === "CHILD_OF")?.spanID;
  const child = (parent: JaegerSpan | undefined, svc: string, k: string) =>
    parent && trace.spans.find((s) => parentOf(s) === parent.spanID && service(s) === svc && kind(s) === k);
  /** One line listing every span as service/kind/operation: what a failure message shows. */
  const outline = () =>
    `${trace.traceID}: ${trace.spans.map((s) => `${service(s)}/${kind(s)}/${s.operationName}`).join(", ")}`;
  return { service, processTag, tag, kind, parentOf, child, outline };
}
