import type { Attributes, AttributeValue, HrTime, Link } from "@opentelemetry/api";
import type { InstrumentationScope } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableSpan, TimedEvent } from "@opentelemetry/sdk-trace";
import { ProtobufBuffer } from "./protobuf-buffer";

// ExportTraceServiceRequest (opentelemetry/proto/collector/trace/v1/trace_service.proto) written straight from the
// SDK's ReadableSpan, one pass into one reused buffer. Field numbers and the fields written (including zero dropped
// counts and span flags) follow the SDK's own ProtobufTraceSerializer, which span-encoder.test.ts compares against.

/** Pre-encoded tag bytes: (field number << 3) | wire type, as a varint. */
const TAG = {
  resourceSpans: 0x0a, // ExportTraceServiceRequest.resource_spans = 1, LEN
  resource: 0x0a, // ResourceSpans.resource = 1
  scopeSpans: 0x12, // ResourceSpans.scope_spans = 2
  schemaUrl: 0x1a, // ResourceSpans/ScopeSpans.schema_url = 3
  scope: 0x0a, // ScopeSpans.scope = 1
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
const MAX_CACHED_KEYS = 1024;
const INT64_MIN = -(2 ** 63);
const INT64_MAX = 2 ** 63;

function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);
}

export class OtlpSpanEncoder {
  private readonly out = new ProtobufBuffer();
  /** `KeyValue.key` with its tag and length, per attribute key (keys repeat on every span). */
  private readonly keys = new Map<string, Uint8Array>();
  private readonly resources = new WeakMap<Resource, Uint8Array>();
  private readonly scopes = new WeakMap<InstrumentationScope, Uint8Array>();
  /** Resource and scope bytes are built here (their attribute keys in `keyScratch`) before being cached. */
  private readonly scratch = new ProtobufBuffer();
  private readonly keyScratch = new ProtobufBuffer();

  /**
   * The request's bytes. The returned view points into the encoder's buffer and is valid until the next call:
   * copy it to keep it.
   */
  encode(spans: readonly ReadableSpan[]): Uint8Array<ArrayBuffer> {
    const out = this.out;
    out.reset();
    for (const [resource, byScope] of groupSpans(spans)) {
      out.byte(TAG.resourceSpans);
      const resourceSpans = out.begin();
      out.raw(this.resourceBytes(resource));
      for (const [scope, scopeSpans] of byScope) {
        out.byte(TAG.scopeSpans);
        const scopeStart = out.begin();
        out.raw(this.scopeBytes(scope));
        for (const span of scopeSpans) this.span(span);
        if (scope.schemaUrl) {
          out.byte(TAG.schemaUrl);
          out.string(scope.schemaUrl);
        }
        out.end(scopeStart);
      }
      if (resource.schemaUrl) {
        out.byte(TAG.schemaUrl);
        out.string(resource.schemaUrl);
      }
      out.end(resourceSpans);
    }
    return out.bytes.subarray(0, out.pos);
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

  /** Each attribute as a `KeyValue` under `tag` (an undefined value as an empty AnyValue, as the SDK writes it). */
  private attributes(attributes: Attributes, tag: number, out = this.out): void {
    for (const key in attributes) {
      const value = attributes[key];
      out.byte(tag);
      const start = out.begin();
      out.raw(this.key(key));
      out.byte(0x12); // KeyValue.value = 2
      const valueStart = out.begin();
      anyValue(out, value);
      out.end(valueStart);
      out.end(start);
    }
  }

  private key(key: string): Uint8Array {
    let encoded = this.keys.get(key);
    if (encoded) return encoded;
    const scratch = this.keyScratch;
    scratch.reset();
    scratch.byte(0x0a); // KeyValue.key = 1
    scratch.string(key);
    encoded = scratch.copy();
    if (this.keys.size < MAX_CACHED_KEYS) this.keys.set(key, encoded);
    return encoded;
  }

  /** `ResourceSpans.resource` (tag included), encoded once per resource. */
  private resourceBytes(resource: Resource): Uint8Array {
    let encoded = this.resources.get(resource);
    if (encoded) return encoded;
    const scratch = this.scratch;
    scratch.reset();
    scratch.byte(TAG.resource);
    const start = scratch.begin();
    this.attributes(resource.attributes, 0x0a, scratch); // Resource.attributes = 1
    scratch.byte(0x10); // Resource.dropped_attributes_count = 2
    scratch.varint32(0);
    scratch.end(start);
    encoded = scratch.copy();
    // A resource whose detectors are still running has no final attributes yet: encode it again next time.
    if (!resource.asyncAttributesPending) this.resources.set(resource, encoded);
    return encoded;
  }

  /** `ScopeSpans.scope` (tag included), encoded once per instrumentation scope. */
  private scopeBytes(scope: InstrumentationScope): Uint8Array {
    let encoded = this.scopes.get(scope);
    if (encoded) return encoded;
    const scratch = this.scratch;
    scratch.reset();
    scratch.byte(TAG.scope);
    const start = scratch.begin();
    scratch.byte(0x0a); // InstrumentationScope.name = 1
    scratch.string(scope.name);
    if (scope.version) {
      scratch.byte(0x12); // .version = 2
      scratch.string(scope.version);
    }
    const { attributes, droppedAttributesCount } = scope as {
      attributes?: Attributes;
      droppedAttributesCount?: number;
    };
    if (attributes) this.attributes(attributes, 0x1a, scratch); // .attributes = 3
    if (droppedAttributesCount) {
      scratch.byte(0x20); // .dropped_attributes_count = 4
      scratch.varint32(droppedAttributesCount);
    }
    scratch.end(start);
    encoded = scratch.copy();
    this.scopes.set(scope, encoded);
    return encoded;
  }
}

const FLAGS_TAG = new Uint8Array(TAG.flags);

function time(out: ProtobufBuffer, [seconds, nanos]: HrTime): void {
  out.hrTime(seconds, nanos);
}

/** AnyValue: string 1, bool 2, int 3, double 4, array 5, kvlist 6, bytes 7. */
function anyValue(out: ProtobufBuffer, value: AttributeValue | Attributes | Uint8Array | null | undefined): void {
  switch (typeof value) {
    case "string":
      out.byte(0x0a);
      out.string(value);
      return;
    case "boolean":
      out.byte(0x10);
      out.varint32(value ? 1 : 0);
      return;
    case "number":
      if (Number.isInteger(value) && value >= INT64_MIN && value < INT64_MAX) {
        out.byte(0x18);
        out.varint64(value);
      } else {
        out.byte(0x21);
        out.double(value);
      }
      return;
  }
  if (value instanceof Uint8Array) {
    out.byte(0x3a);
    out.varint32(value.length);
    out.raw(value);
  } else if (Array.isArray(value)) {
    out.byte(0x2a);
    const array = out.begin();
    for (const item of value) {
      out.byte(0x0a); // ArrayValue.values = 1
      const start = out.begin();
      anyValue(out, item);
      out.end(start);
    }
    out.end(array);
  } else if (value != null && typeof value === "object") {
    out.byte(0x32);
    const list = out.begin();
    for (const key in value) {
      out.byte(0x0a); // KeyValueList.values = 1
      const pair = out.begin();
      out.byte(0x0a);
      out.string(key);
      out.byte(0x12);
      const start = out.begin();
      anyValue(out, (value as Attributes)[key]);
      out.end(start);
      out.end(pair);
    }
    out.end(list);
  }
}

/** Spans by resource, then by instrumentation scope, by identity (one of each in a service: no copying then). */
function groupSpans(spans: readonly ReadableSpan[]): Map<Resource, Map<InstrumentationScope, ReadableSpan[]>> {
  const grouped = new Map<Resource, Map<InstrumentationScope, ReadableSpan[]>>();
  for (const span of spans) {
    let byScope = grouped.get(span.resource);
    if (!byScope) {
      byScope = new Map();
      grouped.set(span.resource, byScope);
    }
    let list = byScope.get(span.instrumentationScope);
    if (!list) {
      list = [];
      byScope.set(span.instrumentationScope, list);
    }
    list.push(span);
  }
  return grouped;
}
