// Reference: elysia.ts's app with only what every twinbin hop must add to it: served by twinbin's serving layer
// (drains on SIGTERM without resetting keep-alive requests, bounds idle connections) and relaying through twinbin's
// upstream client (one timeout over the whole call, JSON accept header, 502/504 mapping). No telemetry, logging,
// body-size hook, JSON error shape or database.
import { Elysia } from "elysia";
import { createUpstream } from "../../shared/http/upstream";
import { listen } from "../../shared/runtime/bun/serve";

const next = process.env.NEXT_URL;
const upstream = next ? createUpstream({ name: "next", baseUrl: next, timeoutMs: 5_000 }) : undefined;
const app = new Elysia()
  .get("/health", () => ({ status: "ok" }))
  .post("/", () => upstream?.json<unknown>("POST", "/") ?? { leaf: true });
app.compile();
listen(async (request) => app.fetch(request), {
  port: Number(process.env.PORT),
  hostname: "127.0.0.1",
  maxRequestBodySize: 1 << 20,
  longRunningPaths: ["/debug/pprof/profile"],
});
