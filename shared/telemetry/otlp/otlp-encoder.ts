import type { Attributes, AttributeValue, HrTime } from "@opentelemetry/api";
import type { InstrumentationScope } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import { ProtobufBuffer } from "./protobuf-buffer";

// What the OTLP span and log encoders share: one reused output buffer, and the parts that repeat on every item
// (attribute keys, the resource, the instrumentation scope) encoded once and cached. Field numbers follow
// opentelemetry/proto/common/v1/common.proto and resource/v1/resource.proto.

const MAX_CACHED_KEYS = 1024;
const INT64_MIN = -(2 ** 63);
const INT64_MAX = 2 ** 63;

export abstract class OtlpEncoder {
  protected readonly out = new ProtobufBuffer();
  /** `KeyValue.key` with its tag and length, per attribute key (keys repeat on every item). */
  private readonly keys = new Map<string, Uint8Array>();
  private readonly resources = new WeakMap<Resource, Uint8Array>();
  private readonly scopes = new WeakMap<InstrumentationScope, Uint8Array>();
  /** Resource and scope bytes are built here (their attribute keys in `keyScratch`) before being cached. */
  private readonly scratch = new ProtobufBuffer();
  private readonly keyScratch = new ProtobufBuffer();

  /**
   * One export request: per resource a `ResourceSpans`/`ResourceLogs`, per scope within it a
   * `ScopeSpans`/`ScopeLogs` holding what `writeItem` writes for each item (the two share their field numbers).
   * The returned view points into the encoder's buffer and is valid until the next call: copy it to keep it.
   */
  protected request<T extends Grouped>(items: readonly T[], writeItem: (item: T) => void): Uint8Array<ArrayBuffer> {
    const out = this.out;
    out.reset();
    for (const [resource, byScope] of groupByResourceAndScope(items)) {
      out.byte(0x0a); // Export{Trace,Logs}ServiceRequest.resource_{spans,logs} = 1
      const resourceStart = out.begin();
      out.raw(this.resourceBytes(resource));
      for (const [scope, scopeItems] of byScope) {
        out.byte(0x12); // Resource{Spans,Logs}.scope_{spans,logs} = 2
        const scopeStart = out.begin();
        out.raw(this.scopeBytes(scope));
        for (const item of scopeItems) writeItem(item);
        if (scope.schemaUrl) {
          out.byte(0x1a); // Scope{Spans,Logs}.schema_url = 3
          out.string(scope.schemaUrl);
        }
        out.end(scopeStart);
      }
      if (resource.schemaUrl) {
        out.byte(0x1a); // Resource{Spans,Logs}.schema_url = 3
        out.string(resource.schemaUrl);
      }
      out.end(resourceStart);
    }
    return out.bytes.subarray(0, out.pos);
  }

  /** Each attribute as a `KeyValue` under `tag` (an undefined value as an empty AnyValue, as the SDK writes it). */
  protected attributes(attributes: Attributes, tag: number, out = this.out): void {
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

  /** `Resource{Spans,Logs}.resource` (tag included), encoded once per resource. */
  protected resourceBytes(resource: Resource): Uint8Array {
    let encoded = this.resources.get(resource);
    if (encoded) return encoded;
    const scratch = this.scratch;
    scratch.reset();
    scratch.byte(0x0a); // Resource{Spans,Logs}.resource = 1
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

  /** `Scope{Spans,Logs}.scope` (tag included), encoded once per instrumentation scope. */
  protected scopeBytes(scope: InstrumentationScope): Uint8Array {
    let encoded = this.scopes.get(scope);
    if (encoded) return encoded;
    const scratch = this.scratch;
    scratch.reset();
    scratch.byte(0x0a); // Scope{Spans,Logs}.scope = 1
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

export function time(out: ProtobufBuffer, [seconds, nanos]: HrTime): void {
  out.hrTime(seconds, nanos);
}

/** AnyValue: string 1, bool 2, int 3, double 4, array 5, kvlist 6, bytes 7. */
export function anyValue(
  out: ProtobufBuffer,
  value: AttributeValue | Attributes | Uint8Array | null | undefined,
): void {
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

interface Grouped {
  resource: Resource;
  instrumentationScope: InstrumentationScope;
}

/** Items by resource, then by instrumentation scope, by identity (one of each in a service: no copying then). */
function groupByResourceAndScope<T extends Grouped>(
  items: readonly T[],
): Map<Resource, Map<InstrumentationScope, T[]>> {
  const grouped = new Map<Resource, Map<InstrumentationScope, T[]>>();
  for (const item of items) {
    let byScope = grouped.get(item.resource);
    if (!byScope) {
      byScope = new Map();
      grouped.set(item.resource, byScope);
    }
    let list = byScope.get(item.instrumentationScope);
    if (!list) {
      list = [];
      byScope.set(item.instrumentationScope, list);
    }
    list.push(item);
  }
  return grouped;
}
