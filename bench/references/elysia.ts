// Reference: the same routes as bare.ts on a plain Elysia app (no telemetry, no logging), relaying with fetch.
import { Elysia, t } from "elysia";
import { _one } from "../../first/fib/fib";

const next = process.env.NEXT_URL;
new Elysia()
  .get("/health", () => ({ status: "ok" }))
  .get("/fib/:n", ({ params }) => _one(params.n), { params: t.Object({ n: t.Numeric() }) })
  .post("/", async () => {
    if (!next) return { leaf: true };
    const response = await fetch(`${next}/`, { method: "POST" });
    return response.json();
  })
  .listen({ port: Number(process.env.PORT), hostname: "127.0.0.1" });

// Exit normally on SIGTERM, so that the build can record its start-up order (tools/bytecode-order.ts).
process.on("SIGTERM", () => process.exit(0));
