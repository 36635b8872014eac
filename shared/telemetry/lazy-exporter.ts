import { type ExportResult, ExportResultCode } from "@opentelemetry/core";

/** What the SDK's SpanExporter and PushMetricExporter have in common. */
interface Exporter<T> {
  export(items: T, done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

/**
 * An exporter made on first export, so that an exporter's module (and its serializer) is only loaded by the
 * services that use it. As a metric exporter, temporality and aggregation are the reader's defaults (cumulative,
 * explicit buckets), which are also the OTLP exporters' defaults; settings refuses OTEL_EXPORTER_OTLP_METRICS_*
 * values asking for others.
 */
export class LazyExporter<T> implements Exporter<T> {
  private exporter: Promise<Exporter<T>> | undefined;

  constructor(private readonly load: () => Promise<Exporter<T>>) {}

  export(items: T, done: (result: ExportResult) => void): void {
    this.get().then(
      (exporter) => exporter.export(items, done),
      (error: Error) => done({ code: ExportResultCode.FAILED, error }),
    );
  }

  async forceFlush(): Promise<void> {
    if (this.exporter) await (await this.exporter).forceFlush?.();
  }

  async shutdown(): Promise<void> {
    if (this.exporter) await (await this.exporter).shutdown();
  }

  private get(): Promise<Exporter<T>> {
    this.exporter ??= this.load();
    return this.exporter;
  }
}
