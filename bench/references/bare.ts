// Reference: plain Bun.serve, no framework, no telemetry. GET /fib/:n (the same fib code), /health, and POST / that
// relays NEXT_URL's JSON (or, without NEXT_URL, answers as the chain's leaf).
import { _one } from "../../first/fib/fib";

const next = process.env.NEXT_URL;
Bun.serve({
  port: Number(process.env.PORT),
  hostname: "127.0.0.1",
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/health") return Response.json({ status: "ok" });
    if (pathname.startsWith("/fib/")) return Response.json(_one(Number(pathname.slice(5))));
    if (request.method === "POST") {
      if (!next) return Response.json({ leaf: true });
      const response = await fetch(`${next}/`, { method: "POST" });
      return Response.json(await response.json());
    }
    return new Response("not found", { status: 404 });
  },
});

// Exit normally on SIGTERM, so that the build can record its start-up order (tools/bytecode-order.ts).
process.on("SIGTERM", () => process.exit(0));
