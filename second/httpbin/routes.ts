import type { Meter } from "@opentelemetry/api";
import { Elysia } from "elysia";
import type { Upstream } from "../../shared/http/upstream";
import { DURATION_BUCKETS_SECONDS } from "../../shared/telemetry/metrics";

/** POST / — the end of the chain: HTTPBin's `/delay/0` answer, passed on; its latency is the original's histogram. */
export function httpbinRoutes(httpbin: Upstream, meter: Meter) {
  const latency = meter.createHistogram("httpbin.latency", {
    unit: "s",
    description: "Duration of the call to HTTPBin",
    advice: { explicitBucketBoundaries: DURATION_BUCKETS_SECONDS },
  });
  return new Elysia({ name: "httpbin" }).post("/", async () => {
    const started = performance.now();
    let outcome = "ok";
    try {
      return await httpbin.json<unknown>("POST", "/delay/0");
    } catch (error) {
      outcome = (error as { code?: string }).code ?? "error";
      throw error;
    } finally {
      latency.record((performance.now() - started) / 1000, { outcome });
    }
  });
}
