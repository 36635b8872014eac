import { type Attributes, type Counter, context, type MeterProvider, ROOT_CONTEXT } from "@opentelemetry/api";
import { type ExportResult, ExportResultCode, suppressTracing } from "@opentelemetry/core";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { OtlpLogEncoder } from "./log-encoder";
import { OtlpSpanEncoder } from "./span-encoder";

const instances = new Map<string, number>();
/** Exports belong to no request: what they log carries no request's trace, and nothing they call is traced. */
const EXPORT_CONTEXT = suppressTracing(ROOT_CONTEXT);

/** Where the exporter reports a collector going away and coming back (one line each, never per batch). */
export interface ExportStatusLog {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

export interface HttpExporterOptions {
  url: string;
  headers: Record<string, string>;
  timeoutMillis: number;
  selfObsMeterProvider?: MeterProvider;
  log: () => ExportStatusLog | undefined;
}

class ExportHttpError extends Error {
  override name = "OTLPExporterError";
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const MAX_ATTEMPTS = 5;

/** Network errors and the statuses OTLP/HTTP calls retryable; a timeout is final. */
function retryable(error: Error): boolean {
  if (error instanceof ExportHttpError) return RETRYABLE_STATUS.has(error.status);
  return error.name !== "TimeoutError" && error.name !== "AbortError";
}

/** What differs between the signals: names (OpenTelemetry's self-observability conventions) and the encoder. */
interface Signal<T> {
  /** "span" → otlp_http_span_exporter, otel.sdk.exporter.span.exported, "span export failing". */
  name: string;
  /** How the items are called in the outage line: "spans are dropped until …". */
  plural: string;
  unit: string;
  encode(items: readonly T[]): Uint8Array<ArrayBuffer>;
}

/**
 * OTLP/HTTP protobuf export with `fetch`, encoded by one of twinbin's encoders. Exports
 * otel.sdk.exporter.<signal>.exported like the SDK's exporters. A failing collector is logged once when export starts
 * failing (endpoint and error; headers never) and once when it works again.
 */
class HttpProtobufExporter<T> {
  private readonly headers: Record<string, string>;
  private readonly endpoint: string;
  private readonly exported: Counter | undefined;
  private readonly attributes: Attributes;
  private failingSince: number | undefined;
  private failedBatches = 0;

  constructor(
    private readonly options: HttpExporterOptions,
    private readonly signal: Signal<T>,
  ) {
    this.headers = { ...options.headers, "content-type": "application/x-protobuf" };
    const url = new URL(options.url);
    this.endpoint = `${url.protocol}//${url.host}${url.pathname}`;
    const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
    const componentType = `otlp_http_${signal.name}_exporter`;
    const instance = instances.get(componentType) ?? 0;
    instances.set(componentType, instance + 1);
    this.attributes = {
      "otel.component.type": componentType,
      "otel.component.name": `${componentType}/${instance}`,
      "server.address": url.hostname,
      "server.port": port,
    };
    this.exported = options.selfObsMeterProvider
      ?.getMeter("@opentelemetry/otlp-exporter")
      .createCounter(`otel.sdk.exporter.${signal.name}.exported`, {
        unit: signal.unit,
        description: `The number of ${signal.plural} for which the export has finished, either successful or failed.`,
      });
  }

  export(items: T[], done: (result: ExportResult) => void): void {
    // The logs SDK may call this inside the request whose record filled a batch: the send and what it logs run
    // outside it (promise callbacks keep the context they were attached in).
    context.with(EXPORT_CONTEXT, () => this.exportNow(items, done));
  }

  private exportNow(items: T[], done: (result: ExportResult) => void): void {
    // A copy: the encoder's buffer is reused by the next batch while this one may still be on its way.
    const body = this.signal.encode(items).slice();
    this.send(body).then(
      () => {
        this.exported?.add(items.length, this.attributes);
        this.recovered();
        done({ code: ExportResultCode.SUCCESS });
      },
      (error: Error) => {
        const type = (error as { code?: unknown }).code;
        this.exported?.add(items.length, {
          ...this.attributes,
          "error.type": typeof type === "string" && type !== "" ? type : error.name,
        });
        this.failed(error);
        done({ code: ExportResultCode.FAILED, error });
      },
    );
  }

  async shutdown(): Promise<void> {}

  async forceFlush(): Promise<void> {}

  /**
   * Retries what OTLP/HTTP calls retryable, with exponential backoff and jitter as the SDK's exporter does, all
   * within the export timeout. Meanwhile the processor's queue fills and then drops (queue_full), so an outage holds
   * one batch in memory, not one per failure.
   */
  private async send(body: Uint8Array<ArrayBuffer>): Promise<void> {
    const signal = AbortSignal.timeout(this.options.timeoutMillis);
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await fetch(this.options.url, { method: "POST", headers: this.headers, body, signal });
        await response.arrayBuffer();
        if (response.ok) return;
        throw new ExportHttpError(response.status);
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || signal.aborted || !retryable(error as Error)) throw error;
      }
      const backoff = Math.min(5000, 1000 * 1.5 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
      await new Promise((resolve) => setTimeout(resolve, backoff));
      if (signal.aborted) throw signal.reason;
    }
  }

  private failed(error: Error): void {
    this.failedBatches++;
    if (this.failingSince !== undefined) return;
    this.failingSince = Date.now();
    this.options
      .log()
      ?.warn(
        { endpoint: this.endpoint, error: error.message },
        `${this.signal.name} export failing: ${this.signal.plural} are dropped until the collector answers again`,
      );
  }

  private recovered(): void {
    if (this.failingSince === undefined) return;
    this.options
      .log()
      ?.info(
        { endpoint: this.endpoint, failed_batches: this.failedBatches, outage_ms: Date.now() - this.failingSince },
        `${this.signal.name} export recovered`,
      );
    this.failingSince = undefined;
    this.failedBatches = 0;
  }
}

export class HttpProtobufSpanExporter extends HttpProtobufExporter<ReadableSpan> {
  constructor(options: HttpExporterOptions) {
    const encoder = new OtlpSpanEncoder();
    super(options, { name: "span", plural: "spans", unit: "{span}", encode: (spans) => encoder.encode(spans) });
  }
}

export class HttpProtobufLogExporter extends HttpProtobufExporter<ReadableLogRecord> {
  constructor(options: HttpExporterOptions) {
    const encoder = new OtlpLogEncoder();
    super(options, {
      name: "log",
      plural: "log records",
      unit: "{log_record}",
      encode: (records) => encoder.encode(records),
    });
  }
}
