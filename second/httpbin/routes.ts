import { Elysia } from "elysia";
import type { Upstream } from "../../shared/upstream";

/** POST / — the end of the chain: HTTPBin's `/delay/0` answer, passed through. */
export const httpbinRoutes = (httpbin: Upstream) =>
  new Elysia({ name: "httpbin" }).post("/", () => httpbin.json<unknown>("POST", "/delay/0"));
