import type { Attributes } from "@opentelemetry/api";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { anyValue, OtlpEncoder, time } from "./otlp-encoder";

// ExportLogsServiceRequest (opentelemetry/proto/collector/logs/v1/logs_service.proto) written straight from the
// SDK's ReadableLogRecord, one pass into one reused buffer. Field numbers and the fields written (including a zero
// dropped count) follow the SDK's own ProtobufLogsSerializer, which log-encoder.test.ts compares against.

/** Pre-encoded tag bytes: (field number << 3) | wire type, as a varint. */
const TAG = {
  logRecord: 0x12, // ScopeLogs.log_records = 2
  time: 0x09, // LogRecord.time_unix_nano = 1, fixed64
  severityNumber: 0x10, // = 2, varint
  severityText: 0x1a, // = 3
  body: 0x2a, // = 5, AnyValue
  attribute: 0x32, // = 6, KeyValue
  droppedAttributes: 0x38, // = 7, varint
  flags: 0x45, // = 8, fixed32
  traceId: 0x4a, // = 9, bytes
  spanId: 0x52, // = 10, bytes
  observedTime: 0x59, // = 11, fixed64
  eventName: 0x62, // = 12
} as const;

export class OtlpLogEncoder extends OtlpEncoder {
  /**
   * The request's bytes. The returned view points into the encoder's buffer and is valid until the next call:
   * copy it to keep it.
   */
  encode(records: readonly ReadableLogRecord[]): Uint8Array<ArrayBuffer> {
    return this.request(records, (record) => this.record(record));
  }

  private record(record: ReadableLogRecord): void {
    const out = this.out;
    out.byte(TAG.logRecord);
    const start = out.begin();
    out.byte(TAG.time);
    time(out, record.hrTime);
    if (record.severityNumber) {
      out.byte(TAG.severityNumber);
      out.varint32(record.severityNumber);
    }
    if (record.severityText) {
      out.byte(TAG.severityText);
      out.string(record.severityText);
    }
    if (record.body !== undefined) {
      out.byte(TAG.body);
      const body = out.begin();
      anyValue(out, record.body as Attributes);
      out.end(body);
    }
    this.attributes(record.attributes, TAG.attribute);
    out.byte(TAG.droppedAttributes);
    out.varint32(record.droppedAttributesCount);
    const context = record.spanContext;
    if (context?.traceFlags) {
      out.byte(TAG.flags);
      out.fixed32(context.traceFlags);
    }
    if (context?.traceId) {
      out.byte(TAG.traceId);
      out.hexId(context.traceId);
    }
    if (context?.spanId) {
      out.byte(TAG.spanId);
      out.hexId(context.spanId);
    }
    out.byte(TAG.observedTime);
    time(out, record.hrTimeObserved);
    if (record.eventName) {
      out.byte(TAG.eventName);
      out.string(record.eventName);
    }
    out.end(start);
  }
}
