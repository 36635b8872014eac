// Reference: elysia.ts's app with only what every twinbin hop must add to it: served by twinbin's serving layer
// (drains on SIGTERM without resetting keep-alive requests, bounds idle connections) and relaying through twinbin's
// upstream client (one timeout over the whole call, JSON accept header, 502/504 mapping). No telemetry, logging,
// body-size hook, JSON error shape or database. FLOOR_PARTS=serving or =upstream adds only that one of the two
// (Elysia's own listen, or a plain fetch, in place of the other), so that their costs can be told apart.
import { Elysia } from "elysia";
import { createUpstream } from "../../shared/http/upstream";
import { listen } from "../../shared/runtime/bun/serve";

const parts = process.env.FLOOR_PARTS ?? "serving,upstream";
const next = process.env.NEXT_URL;
const upstream = next ? createUpstream({ name: "next", baseUrl: next, timeoutMs: 5_000 }) : undefined;
const relay = parts.includes("upstream")
  ? () => upstream?.json<unknown>("POST", "/") ?? { leaf: true }
  : async () => (next ? (await fetch(`${next}/`, { method: "POST" })).json() : { leaf: true });
const app = new Elysia().get("/health", () => ({ status: "ok" })).post("/", relay);
const options = { port: Number(process.env.PORT), hostname: "127.0.0.1" };
if (parts.includes("serving")) {
  app.compile();
  listen(async (request) => app.fetch(request), {
    ...options,
    maxRequestBodySize: 1 << 20,
    longRunningPaths: ["/debug/pprof/profile"],
  });
} else {
  app.listen(options);
}

// Exit normally on SIGTERM, so that the build can record its start-up order (tools/bytecode-order.ts).
process.on("SIGTERM", () => process.exit(0));
