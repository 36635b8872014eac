// first → second → HTTPBin as separate processes exporting to OTLP receivers inside the test, for one test file.
import { afterAll, beforeAll } from "bun:test";
import { type Httpbin, startHttpbin } from "./httpbin";
import { OtlpReceiver } from "./otlp-receiver";
import { type Service, startBinary } from "./processes";
import { launchers, SETUP_TIMEOUT_MS } from "./services";

/**
 * Registers the test file's hooks: HTTPBin and the service launchers before its tests; every service and receiver
 * started through the fixture is stopped after them.
 */
export function chainFixture() {
  let httpbin: Httpbin | undefined;
  let bins: { first: string[]; second: string[] } | undefined;
  const running: Service[] = [];
  const receivers: OtlpReceiver[] = [];

  beforeAll(async () => {
    [httpbin, bins] = await Promise.all([startHttpbin(), launchers()]);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop("SIGKILL")));
    await Promise.all(receivers.map((r) => r.stop()));
    await httpbin?.stop("SIGKILL");
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("chainFixture: used before its beforeAll ran");
    return value;
  };

  const fixture = {
    get httpbin(): Httpbin {
      return started(httpbin);
    },
    get bins(): { first: string[]; second: string[] } {
      return started(bins);
    },
    /** A new OTLP receiver, stopped after the file's tests. */
    receiver(): OtlpReceiver {
      const receiver = new OtlpReceiver().start();
      receivers.push(receiver);
      return receiver;
    },
    /** Starts `binary` exporting to `otlp` (a receiver or an endpoint URL), batches sent every 100 ms. */
    async start(binary: string[], otlp: OtlpReceiver | string, env: Record<string, string> = {}): Promise<Service> {
      const service = await startBinary(binary, {
        OTEL_EXPORTER_OTLP_ENDPOINT: typeof otlp === "string" ? otlp : otlp.url,
        OTEL_BSP_SCHEDULE_DELAY: "100",
        ...env,
      });
      running.push(service);
      return service;
    },
    /** second → HTTPBin and first → second, both exporting to `otlp`; `env` applies to both. */
    async chain(otlp: OtlpReceiver, env: Record<string, string> = {}): Promise<{ first: Service; second: Service }> {
      const second = await fixture.start(fixture.bins.second, otlp, { HTTPBIN_URL: fixture.httpbin.url, ...env });
      const first = await fixture.start(fixture.bins.first, otlp, { SECOND_URL: second.url, ...env });
      return { first, second };
    },
  };
  return fixture;
}
