import { Elysia } from "elysia";
import type { Upstream } from "../../shared/upstream";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** POST / — the original blueprint's chain: a random pause, then second's answer passed through. */
export const chainRoutes = (second: Upstream, sleepMaxMs: number) =>
  new Elysia({ name: "chain" }).post("/", async () => {
    if (sleepMaxMs > 0) await sleep(Math.random() * sleepMaxMs);
    return second.json<unknown>("POST", "/");
  });
