import type { Link } from "@opentelemetry/api";
import type { ReadableSpan, TimedEvent } from "@opentelemetry/sdk-trace";
import { OtlpEncoder, time } from "./otlp-encoder";

// ExportTraceServiceRequest (opentelemetry/proto/collector/trace/v1/trace_service.proto) written straight from the
// SDK's ReadableSpan, one pass into one reused buffer. Field numbers and the fields written (including zero dropped
// counts and span flags) follow the SDK's own ProtobufTraceSerializer, which span-encoder.test.ts compares against.

/** Pre-encoded tag bytes: (field number << 3) | wire type, as a varint. */
const TAG = {
  span: 0x12, // ScopeSpans.spans = 2
  traceId: 0x0a,
  spanId: 0x12,
  traceState: 0x1a,
  parentSpanId: 0x22,
  name: 0x2a,
  kind: 0x30,
  startTime: 0x39,
  endTime: 0x41,
  attribute: 0x4a,
  droppedAttributes: 0x50,
  event: 0x5a,
  droppedEvents: 0x60,
  link: 0x6a,
  droppedLinks: 0x70,
  status: 0x7a,
  flags: [0x85, 0x01], // Span.flags = 16, fixed32
} as const;

const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);
}

export class OtlpSpanEncoder extends OtlpEncoder {
  /**
   * The request's bytes. The returned view points into the encoder's buffer and is valid until the next call:
   * copy it to keep it.
   */
  encode(spans: readonly ReadableSpan[]): Uint8Array<ArrayBuffer> {
    return this.request(spans, (span) => this.span(span));
  }

  private span(span: ReadableSpan): void {
    const out = this.out;
    out.byte(TAG.span);
    const start = out.begin();
    const context = span.spanContext();
    out.byte(TAG.traceId);
    out.hexId(context.traceId);
    out.byte(TAG.spanId);
    out.hexId(context.spanId);
    const traceState = context.traceState?.serialize();
    if (traceState) {
      out.byte(TAG.traceState);
      out.string(traceState);
    }
    const parent = span.parentSpanContext;
    if (parent?.spanId) {
      out.byte(TAG.parentSpanId);
      out.hexId(parent.spanId);
    }
    out.byte(TAG.name);
    out.string(span.name);
    if (span.kind != null) {
      out.byte(TAG.kind);
      out.varint32(span.kind + 1);
    }
    out.byte(TAG.startTime);
    time(out, span.startTime);
    out.byte(TAG.endTime);
    time(out, span.endTime);
    this.attributes(span.attributes, TAG.attribute);
    out.byte(TAG.droppedAttributes);
    out.varint32(span.droppedAttributesCount);
    for (const event of span.events) this.event(event);
    out.byte(TAG.droppedEvents);
    out.varint32(span.droppedEventsCount);
    for (const link of span.links) this.link(link);
    out.byte(TAG.droppedLinks);
    out.varint32(span.droppedLinksCount);
    out.byte(TAG.status);
    const status = out.begin();
    if (span.status.message) {
      out.byte(0x12); // Status.message = 2
      out.string(span.status.message);
    }
    out.byte(0x18); // Status.code = 3
    out.varint32(span.status.code);
    out.end(status);
    out.raw(FLAGS_TAG);
    out.fixed32(spanFlags(context.traceFlags, parent?.isRemote));
    out.end(start);
  }

  private event(event: TimedEvent): void {
    const out = this.out;
    out.byte(TAG.event);
    const start = out.begin();
    out.byte(0x09); // Event.time_unix_nano = 1, fixed64
    time(out, event.time);
    out.byte(0x12); // Event.name = 2
    out.string(event.name);
    if (event.attributes) this.attributes(event.attributes, 0x1a); // Event.attributes = 3
    out.byte(0x20); // Event.dropped_attributes_count = 4
    out.varint32(event.droppedAttributesCount ?? 0);
    out.end(start);
  }

  private link(link: Link): void {
    const out = this.out;
    const context = link.context;
    out.byte(TAG.link);
    const start = out.begin();
    out.byte(0x0a); // Link.trace_id = 1
    out.hexId(context.traceId);
    out.byte(0x12); // Link.span_id = 2
    out.hexId(context.spanId);
    const traceState = context.traceState?.serialize();
    if (traceState) {
      out.byte(0x1a); // Link.trace_state = 3
      out.string(traceState);
    }
    if (link.attributes) this.attributes(link.attributes, 0x22); // Link.attributes = 4
    out.byte(0x28); // Link.dropped_attributes_count = 5
    out.varint32(link.droppedAttributesCount ?? 0);
    out.byte(0x35); // Link.flags = 6, fixed32
    out.fixed32(spanFlags(context.traceFlags, context.isRemote));
    out.end(start);
  }
}

const FLAGS_TAG = new Uint8Array(TAG.flags);
