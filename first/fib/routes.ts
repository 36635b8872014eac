import type { Tracer } from "@opentelemetry/api";
import { Elysia } from "elysia";
import { integerParam } from "../../shared/http/params";
import { _one } from "./fib";

export const fibRoutes = (maxN: number, tracer: Tracer) =>
  new Elysia({ name: "fib" }).get("/fib/:n", ({ params }) => {
    const n = integerParam(params.n, "n", 0, maxN);
    return tracer.startActiveSpan("fibonacci", { attributes: { "fibonacci.n": n } }, (span) => {
      const result = _one(n);
      span.end();
      return result;
    });
  });
