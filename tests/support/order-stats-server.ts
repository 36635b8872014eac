// Compiled by tests/integration/bytecode-order.test.ts: answers /health, and /stats with what the runtime reports of
// its bytecode layout (null when the executable was built without an order).
import { bytecodeOrderStats } from "bun:jsc";

Bun.serve({
  port: Number(process.env.PORT),
  hostname: "127.0.0.1",
  fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/health") return Response.json({ status: "ok" });
    if (pathname === "/stats") return Response.json(bytecodeOrderStats());
    return new Response("not found", { status: 404 });
  },
});
process.on("SIGTERM", () => process.exit(0));
