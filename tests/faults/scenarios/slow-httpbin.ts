// 3. HTTPBin slower than second's timeout: every call is a 504 JSON when the timeout expires, and the abandoned
// calls leave no file descriptors behind.
import { describe, expect, test } from "bun:test";
import { isErrorShape, outcomeKey, percentile, runLoad, sleep, tally, timedFetch } from "../lib/load";
import { openFds, socketsTo } from "../lib/proc";
import { figure } from "../lib/report";
import { ownHttpbin, pid, start } from "../lib/suite";

const S = "3 HTTPBin too slow";
const TIMEOUT_MS = 500;
const REQUESTS = 300;
const CONCURRENCY = 20;
const LATE_MS = 1000;
const FD_TOLERANCE = 5;

export function slowHttpbin() {
  describe("3. HTTPBin slower than UPSTREAM_TIMEOUT_MS", () => {
    test(`${REQUESTS} requests → 504 JSON on time each; second's open fds stay flat`, async () => {
      // Its own HTTPBin: each abandoned call keeps a gunicorn thread asleep for 3 s after second has given up.
      const httpbin = await ownHttpbin();
      const second = await start("second", {
        HTTPBIN_URL: `${httpbin.url}/slow/3`,
        UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
        LOG_LEVEL: "warn",
      });
      // One connection per request, so that the client's own idle keep-alive connections do not count as second's.
      const call = () =>
        timedFetch("slow", `${second.url}/`, { method: "POST", headers: { connection: "close" } }, 10_000);
      const httpbinPort = Number(new URL(httpbin.url).port);
      // Warm up (the first call opens what stays open: the database, the metrics reader…), then count.
      for (let i = 0; i < 3; i++) await call();
      await sleep(500);
      const fdsBefore = openFds(pid(second));

      const outcomes = await runLoad({ concurrency: CONCURRENCY, maxRequests: REQUESTS, maxMs: 60_000, next: call });
      await sleep(1000);
      const fdsAfter = openFds(pid(second));
      const toHttpbin = socketsTo(pid(second), httpbinPort);
      await httpbin.stop("SIGKILL");
      await sleep(500);
      const fdsAfterHttpbin = openFds(pid(second));

      const wrong = outcomes.filter(
        (o) =>
          o.status !== 504 ||
          !isErrorShape(o.body) ||
          JSON.stringify(o.body) !==
            JSON.stringify({
              error: { code: "upstream_timeout", message: `httpbin did not answer within ${TIMEOUT_MS} ms` },
            }),
      );
      const ms = outcomes.map((o) => o.ms);
      const early = outcomes.filter((o) => o.ms < TIMEOUT_MS - 10);
      const late = outcomes.filter((o) => o.ms > TIMEOUT_MS + LATE_MS);
      figure(S, "requests / 504 upstream_timeout JSON", `${outcomes.length} / ${outcomes.length - wrong.length}`);
      figure(
        S,
        "latency ms min / p50 / p99 / max",
        [0, 50, 99, 100].map((p) => percentile(ms, p).toFixed(0)).join(" / "),
        `${TIMEOUT_MS}..${TIMEOUT_MS + LATE_MS}`,
        early.length === 0 && late.length === 0,
      );
      figure(S, "second's sockets still connected to HTTPBin after the run", toHttpbin, "0", toHttpbin === 0);
      figure(
        S,
        "second fds before → after → after HTTPBin gone (sockets)",
        `${fdsBefore.total} (${fdsBefore.sockets}) → ${fdsAfter.total} (${fdsAfter.sockets}) → ${fdsAfterHttpbin.total} (${fdsAfterHttpbin.sockets})`,
        `± ${FD_TOLERANCE}`,
        Math.abs(fdsAfter.total - fdsBefore.total) <= FD_TOLERANCE,
      );

      expect(outcomes).toHaveLength(REQUESTS);
      expect(tally(wrong, outcomeKey)).toEqual({});
      expect(early.map((o) => o.ms)).toEqual([]);
      expect(late.map((o) => o.ms)).toEqual([]);
      expect(Math.abs(fdsAfter.total - fdsBefore.total)).toBeLessThanOrEqual(FD_TOLERANCE);
      expect(toHttpbin).toBe(0);
    }, 120_000);
  });
}
