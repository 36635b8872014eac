// The same app instrumented by twinbin's shared/telemetry (TRACED=0: telemetry off, same serving path).
import { Elysia } from "elysia";
import { _one } from "../../first/fib/fib";
import { recordRoute } from "../../shared/http/outcome";
import { createLogger } from "../../shared/logging/logger";
import { listen } from "../../shared/runtime/runtime";
import { startTelemetry } from "../../shared/telemetry";
import { parseTelemetrySettings } from "../../shared/telemetry/settings";

const settings = parseTelemetrySettings(
  {
    OTEL_SDK_DISABLED: process.env.TRACED === "0" ? "true" : "false",
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: process.env.OTLP_URL,
    OTEL_METRICS_EXPORTER: "none",
  },
  "twinbin",
);
const telemetry = startTelemetry(settings, "0", "bench");
const app = new Elysia()
  .onTransform({ as: "global" }, ({ request, route }) => {
    recordRoute(request, route);
  })
  .get("/fib/:n", ({ params }) => _one(Number(params.n)));
const handler = telemetry.instrumentServer(async (request) => app.fetch(request), createLogger("twinbin", "warn"));
listen(handler, { port: Number(process.env.PORT), hostname: "127.0.0.1", maxRequestBodySize: 1 << 20 });
