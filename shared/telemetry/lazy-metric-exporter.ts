import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { PushMetricExporter, ResourceMetrics } from "@opentelemetry/sdk-metrics";

/**
 * A PushMetricExporter made on first export, so that the OTLP metric exporters (and their serializers) load only in
 * services that push metrics. Temporality and aggregation are the reader's defaults (cumulative, explicit buckets),
 * which are also the OTLP exporters' defaults.
 */
export class LazyMetricExporter implements PushMetricExporter {
  private exporter: Promise<PushMetricExporter> | undefined;

  constructor(private readonly load: () => Promise<PushMetricExporter>) {}

  export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    this.get().then(
      (exporter) => exporter.export(metrics, done),
      (error: Error) => done({ code: ExportResultCode.FAILED, error }),
    );
  }

  async forceFlush(): Promise<void> {
    if (this.exporter) await (await this.exporter).forceFlush();
  }

  async shutdown(): Promise<void> {
    if (this.exporter) await (await this.exporter).shutdown();
  }

  private get(): Promise<PushMetricExporter> {
    this.exporter ??= this.load();
    return this.exporter;
  }
}
