import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace";

/** A SpanExporter made on first use, so that an exporter's module is only loaded by the services that use it. */
export class LazySpanExporter implements SpanExporter {
  private exporter: Promise<SpanExporter> | undefined;

  constructor(private readonly load: () => Promise<SpanExporter>) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.get().then(
      (exporter) => exporter.export(spans, done),
      (error: Error) => done({ code: ExportResultCode.FAILED, error }),
    );
  }

  async shutdown(): Promise<void> {
    if (this.exporter) await (await this.exporter).shutdown();
  }

  async forceFlush(): Promise<void> {
    if (this.exporter) await (await this.exporter).forceFlush?.();
  }

  private get(): Promise<SpanExporter> {
    this.exporter ??= this.load();
    return this.exporter;
  }
}
