// Reference: bare Bun.serve answering GET /fib/:n as bare.ts does, creating SAMPLED_RECORDS span-sized records per
// request and keeping the latest 2048 in a ring (as a span queue keeps spans until they are exported), and
// GET /sample?seconds=N, which runs JavaScriptCore's sampler the way a service's CPU profile does (twinbin's
// sampleCpu: 100 Hz, in its slices) for N seconds and answers how many samples it took. No telemetry.
import { _one } from "../../first/fib/fib";
import { SAMPLE_INTERVAL_MICROS } from "../../shared/profiling/cpu-profiler";
import { sampleCpu } from "../../shared/runtime/bun/cpu-sampler";

const recordsPerRequest = Number(process.env.SAMPLED_RECORDS ?? 0);
const ring: unknown[] = new Array(2048);
let next = 0;

Bun.serve({
  port: Number(process.env.PORT),
  hostname: "127.0.0.1",
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return Response.json({ status: "ok" });
    if (url.pathname === "/sample") {
      const seconds = Number(url.searchParams.get("seconds"));
      const stacks = await sampleCpu(() => Bun.sleep(seconds * 1000), SAMPLE_INTERVAL_MICROS);
      return Response.json({ samples: stacks.length });
    }
    if (url.pathname.startsWith("/fib/")) {
      const n = Number(url.pathname.slice(5));
      const started = performance.now();
      const result = _one(n);
      for (let i = 0; i < recordsPerRequest; i++) {
        ring[next] = {
          name: `GET /fib/${n}`,
          attributes: { "http.request.method": request.method, "url.path": url.pathname, index: i },
          times: [started, performance.now()],
        };
        next = (next + 1) % ring.length;
      }
      return Response.json(result);
    }
    return new Response("not found", { status: 404 });
  },
});

// Exit normally on SIGTERM, so that the build can record its start-up order (tools/bytecode-order.ts).
process.on("SIGTERM", () => process.exit(0));
