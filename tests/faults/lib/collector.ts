// A "collector" on a fixed port that can go down and come back. The front on that port only stores each OTLP
// request and answers at once (cheap, so that the collector's own work does not compete with the services for the
// machine's CPU while latency is measured); `sync()` hands what arrived to an OtlpReceiver (tests/support), which
// decodes and keeps it across the front's restarts. The raw bodies stay available for byte-for-byte searches.
import { OtlpReceiver } from "../../support/otlp-receiver";

interface RawRequest {
  path: string;
  contentType: string;
  body: Buffer;
}

export class FixedPortCollector {
  readonly receiver = new OtlpReceiver().start();
  /** Every request body as received (OTLP/JSON bodies are searchable text). */
  readonly raw: RawRequest[] = [];
  private synced = 0;
  private front: ReturnType<typeof Bun.serve> | undefined;

  constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts (or restarts) listening on the fixed port. */
  up(): this {
    if (this.front) return this;
    this.front = Bun.serve({
      port: this.port,
      hostname: "127.0.0.1",
      fetch: async (request) => {
        const contentType = request.headers.get("content-type") ?? "";
        this.raw.push({
          path: new URL(request.url).pathname,
          contentType,
          body: Buffer.from(await request.arrayBuffer()),
        });
        return contentType.includes("json")
          ? Response.json({})
          : new Response(new Uint8Array(), { headers: { "content-type": "application/x-protobuf" } });
      },
    });
    return this;
  }

  /** Stops listening and drops open connections: exporters now get connection refused. */
  async down(): Promise<void> {
    const front = this.front;
    this.front = undefined;
    await front?.stop(true);
  }

  /** Decodes everything received so far into `receiver`; returns it. */
  async sync(): Promise<OtlpReceiver> {
    while (this.synced < this.raw.length) {
      const { path, contentType, body } = this.raw[this.synced++] as RawRequest;
      await fetch(`${this.receiver.url}${path}`, {
        method: "POST",
        headers: { "content-type": contentType },
        body: new Uint8Array(body),
      });
    }
    return this.receiver;
  }

  /** The raw bodies sent to `path` (e.g. "/v1/traces") as one string. */
  text(path?: string): string {
    return this.raw
      .filter((r) => path === undefined || r.path === path)
      .map((r) => r.body.toString("utf8"))
      .join("\n");
  }

  async stop(): Promise<void> {
    await this.down();
    await this.receiver.stop();
  }
}
