import type { Attributes, Counter, MeterProvider } from "@opentelemetry/api";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace";
import { OtlpSpanEncoder } from "./span-encoder";

const COMPONENT_TYPE = "otlp_http_span_exporter";
let instances = 0;

/** Where the exporter reports a collector going away and coming back (one line each, never per batch). */
export interface ExportStatusLog {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

export interface HttpSpanExporterOptions {
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

/**
 * OTLP/HTTP protobuf span export with `fetch`, encoded by OtlpSpanEncoder. Exports
 * otel.sdk.exporter.span.exported like the SDK's exporter. A failing collector is logged once when export starts
 * failing (endpoint and error; headers never) and once when it works again.
 */
export class HttpProtobufSpanExporter implements SpanExporter {
  private readonly encoder = new OtlpSpanEncoder();
  private readonly headers: Record<string, string>;
  private readonly endpoint: string;
  private readonly exported: Counter | undefined;
  private readonly attributes: Attributes;
  private failingSince: number | undefined;
  private failedBatches = 0;

  constructor(private readonly options: HttpSpanExporterOptions) {
    this.headers = { ...options.headers, "content-type": "application/x-protobuf" };
    const url = new URL(options.url);
    this.endpoint = `${url.protocol}//${url.host}${url.pathname}`;
    const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
    this.attributes = {
      "otel.component.type": COMPONENT_TYPE,
      "otel.component.name": `${COMPONENT_TYPE}/${instances++}`,
      "server.address": url.hostname,
      "server.port": port,
    };
    this.exported = options.selfObsMeterProvider
      ?.getMeter("@opentelemetry/otlp-exporter")
      .createCounter("otel.sdk.exporter.span.exported", {
        unit: "{span}",
        description: "The number of spans for which the export has finished, either successful or failed.",
      });
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    // A copy: the encoder's buffer is reused by the next batch while this one may still be on its way.
    const body = this.encoder.encode(spans).slice();
    this.send(body).then(
      () => {
        this.exported?.add(spans.length, this.attributes);
        this.recovered();
        done({ code: ExportResultCode.SUCCESS });
      },
      (error: Error) => {
        const type = (error as { code?: unknown }).code;
        this.exported?.add(spans.length, {
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
        "span export failing: spans are dropped until the collector answers again",
      );
  }

  private recovered(): void {
    if (this.failingSince === undefined) return;
    this.options
      .log()
      ?.info(
        { endpoint: this.endpoint, failed_batches: this.failedBatches, outage_ms: Date.now() - this.failingSince },
        "span export recovered",
      );
    this.failingSince = undefined;
    this.failedBatches = 0;
  }
}
