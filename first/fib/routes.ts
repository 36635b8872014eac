import { Elysia } from "elysia";
import { integerParam } from "../../shared/params";
import { _one } from "./fib";

export const fibRoutes = (maxN: number) =>
  new Elysia({ name: "fib" }).get("/fib/:n", ({ params }) => _one(integerParam(params.n, "n", 0, maxN)));
