import type { Meter, Tracer } from "@opentelemetry/api";
import { Elysia } from "elysia";
import type { Upstream } from "../../shared/http/upstream";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** POST / — the original blueprint's chain: count the request, a random pause, then second's answer passed on. */
export function chainRoutes(second: Upstream, sleepMaxMs: number, tracer: Tracer, meter: Meter, env: string) {
  const requests = meter.createCounter("first.request.count", {
    unit: "1",
    description: "Counts the number of requests received by the service",
  });
  return new Elysia({ name: "chain" }).post("/", async () => {
    requests.add(1, { env });
    if (sleepMaxMs > 0) {
      const ms = Math.round(Math.random() * sleepMaxMs);
      await tracer.startActiveSpan("chain.sleep", { attributes: { "chain.sleep_ms": ms } }, async (span) => {
        await sleep(ms);
        span.end();
      });
    }
    return second.json<unknown>("POST", "/");
  });
}
