// GET /fib/:n on Elysia with @elysiajs/opentelemetry 1.4.11, batch-exporting to OTLP_URL (TRACED=0: no plugin).
import { opentelemetry } from "@elysiajs/opentelemetry";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { Elysia } from "elysia";
import { _one } from "../../first/fib/fib";

const app = new Elysia();
if (process.env.TRACED !== "0") {
  app.use(
    opentelemetry({
      serviceName: "plugin",
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: process.env.OTLP_URL }))],
    }),
  );
}
app
  .get("/fib/:n", ({ params }) => _one(Number(params.n)))
  .listen({ port: Number(process.env.PORT), hostname: "127.0.0.1" });
