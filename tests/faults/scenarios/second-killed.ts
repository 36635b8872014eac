// 2. second is SIGKILLed under load: first answers 502 JSON within its upstream timeout, recovers as soon as second
// is back on the same port, and never crashes or leaks an unhandled rejection.
import { describe, expect, test } from "bun:test";
import { freePort } from "../../support/ports";
import {
  errorCode,
  isErrorShape,
  outcomeKey,
  percentile,
  sleep,
  startLoad,
  tally,
  timedFetch,
  untilCount,
} from "../lib/load";
import { figure } from "../lib/report";
import { alive, sharedHttpbin, start } from "../lib/suite";

const S = "2 second killed/frozen";
const UPSTREAM_TIMEOUT_MS = 2000;
const SLACK_MS = 1000;
const RECOVERY_LIMIT_MS = 5000;
const UPSTREAM_CODES = ["upstream_unreachable", "upstream_error", "upstream_invalid_response"];

/** second, then first calling it, then 4 loops of POST / on first (bounded in count and time). */
async function chainUnderLoad(secondEnv: Record<string, string>, firstLogLevel: string) {
  const second = await start("second", secondEnv);
  const first = await start("first", {
    SECOND_URL: second.url,
    CHAIN_SLEEP_MAX_MS: "0",
    UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS),
    LOG_LEVEL: firstLogLevel,
  });
  const load = startLoad({
    concurrency: 4,
    maxRequests: 100_000,
    maxMs: 60_000,
    next: () => timedFetch("chain", `${first.url}/`, { method: "POST" }, UPSTREAM_TIMEOUT_MS + 10_000),
  });
  return { second, first, load };
}

export function secondKilled() {
  describe("2. second killed mid-load (SIGKILL), or frozen (SIGSTOP)", () => {
    test("502 JSON within UPSTREAM_TIMEOUT_MS, 100% success within 5 s of second's return, first unharmed", async () => {
      const httpbin = await sharedHttpbin();
      const port = await freePort();
      const secondEnv = { HTTPBIN_URL: httpbin.url, PORT: String(port), LOG_LEVEL: "warn" };
      const { second, first, load } = await chainUnderLoad(secondEnv, "info");
      try {
        const answeredSince = (from: number) => load.outcomes.filter((o) => o.start >= from).length;
        await sleep(2000);
        await untilCount("answers before the kill", () => answeredSince(0), 20);
        const killed = performance.now();
        await second.stop("SIGKILL");
        await sleep(3000);
        await untilCount("answers while second is down", () => answeredSince(killed), 20);
        const restarting = performance.now();
        const back = await start("second", secondEnv, second.cwd);
        const returned = performance.now();
        await sleep(RECOVERY_LIMIT_MS + 2000);
        await untilCount("answers after the recovery limit", () => answeredSince(returned + RECOVERY_LIMIT_MS), 20);
        const outcomes = await load.stop();

        const beforeKill = outcomes.filter((o) => o.end < killed);
        const down = outcomes.filter((o) => o.start >= killed && o.end < restarting);
        // Requests in flight at the kill, and those while second was down: all must be 502 JSON, on time.
        const affected = outcomes.filter((o) => o.end >= killed && o.start < returned && o.status !== 200);
        const badAnswers = affected.filter(
          (o) => o.status !== 502 || !isErrorShape(o.body) || !UPSTREAM_CODES.includes(errorCode(o.body) ?? ""),
        );
        const slowest502 = Math.max(0, ...affected.map((o) => o.ms));
        // Recovery: from second's return, the first request after which every request succeeded.
        const after = outcomes.filter((o) => o.start >= returned).sort((a, b) => a.start - b.start);
        const lastFailure = after.findLast((o) => o.status !== 200);
        const recoveredAt = lastFailure ? lastFailure.end : returned;
        const recoveryMs = recoveredAt - returned;
        const unhandled = first.output().match(/unhandled/gi) ?? [];

        figure(
          S,
          "requests before kill / while down / after return",
          `${beforeKill.length} / ${down.length} / ${after.length}`,
        );
        const failedBefore = beforeKill.filter((o) => o.status !== 200).length;
        figure(S, "failures before the kill", failedBefore, "0", failedBefore === 0);
        figure(S, "answers while second was down", JSON.stringify(tally(affected, outcomeKey)));
        figure(S, "non-502-JSON answers while down", badAnswers.length, "0", badAnswers.length === 0);
        figure(
          S,
          "502 latency ms p50 / p99 / max",
          `${percentile(
            affected.map((o) => o.ms),
            50,
          ).toFixed(2)} / ${percentile(
            affected.map((o) => o.ms),
            99,
          ).toFixed(2)} / ${slowest502.toFixed(2)}`,
          `≤ ${UPSTREAM_TIMEOUT_MS} (+${SLACK_MS} slack)`,
          slowest502 <= UPSTREAM_TIMEOUT_MS + SLACK_MS,
        );
        figure(S, "second restart → first 200 (ms)", returned - restarting);
        figure(S, "100% success again after return, ms", recoveryMs, "≤ 5000", recoveryMs <= RECOVERY_LIMIT_MS);
        figure(S, "unhandled rejections logged by first", unhandled.length, "0", unhandled.length === 0);

        expect(beforeKill.filter((o) => o.status !== 200)).toEqual([]);
        expect(tally(badAnswers, outcomeKey)).toEqual({});
        expect(slowest502).toBeLessThanOrEqual(UPSTREAM_TIMEOUT_MS + SLACK_MS);
        expect(recoveryMs).toBeLessThanOrEqual(RECOVERY_LIMIT_MS);
        expect(alive(first)).toBe(true);
        expect(unhandled).toEqual([]);
        expect(first.stderr.filter((l) => l.trim() !== "")).toEqual([]);
        const stopping = performance.now();
        expect(await first.stop("SIGTERM")).toEqual({ code: 0, signal: null });
        figure(S, "first exit on SIGTERM", `0 after ${Math.round(performance.now() - stopping)} ms`, "0", true);
        await back.stop("SIGTERM");
      } finally {
        await load.stop();
      }
    }, 90_000);

    test("second frozen (SIGSTOP): 504 JSON when UPSTREAM_TIMEOUT_MS expires, recovery on SIGCONT", async () => {
      const httpbin = await sharedHttpbin();
      const { second, first, load } = await chainUnderLoad({ HTTPBIN_URL: httpbin.url, LOG_LEVEL: "warn" }, "warn");
      try {
        const answeredSince = (from: number) => load.outcomes.filter((o) => o.start >= from).length;
        await sleep(1000);
        await untilCount("answers before the freeze", () => answeredSince(0), 20);
        const frozen = performance.now();
        second.child.kill("SIGSTOP");
        // At least one timed-out request per loop.
        await sleep(UPSTREAM_TIMEOUT_MS * 2 + 500);
        await untilCount("answers while second is frozen", () => answeredSince(frozen), 4);
        const thawed = performance.now();
        second.child.kill("SIGCONT");
        await sleep(RECOVERY_LIMIT_MS + 1000);
        const outcomes = await load.stop();

        // Started while second was frozen (and ended before it woke): each must be a 504 when the timeout expires.
        const whileFrozen = outcomes.filter((o) => o.start >= frozen && o.end < thawed);
        const wrong = whileFrozen.filter((o) => o.status !== 504 || errorCode(o.body) !== "upstream_timeout");
        const ms = whileFrozen.map((o) => o.ms);
        const lastFailure = outcomes.filter((o) => o.start >= thawed).findLast((o) => o.status !== 200);
        const recoveryMs = lastFailure ? lastFailure.end - thawed : 0;

        figure(
          S,
          "second frozen: answers",
          JSON.stringify(tally(whileFrozen, outcomeKey)),
          "504 upstream_timeout",
          wrong.length === 0,
        );
        figure(
          S,
          "504 latency ms min / max",
          `${Math.min(...ms).toFixed(0)} / ${Math.max(...ms).toFixed(0)}`,
          `${UPSTREAM_TIMEOUT_MS}..${UPSTREAM_TIMEOUT_MS + SLACK_MS}`,
          Math.min(...ms) >= UPSTREAM_TIMEOUT_MS - 50 && Math.max(...ms) <= UPSTREAM_TIMEOUT_MS + SLACK_MS,
        );
        figure(S, "100% success again after SIGCONT, ms", recoveryMs, "≤ 5000", recoveryMs <= RECOVERY_LIMIT_MS);

        expect(whileFrozen.length).toBeGreaterThanOrEqual(4);
        expect(tally(wrong, outcomeKey)).toEqual({});
        expect(whileFrozen.every((o) => isErrorShape(o.body))).toBe(true);
        expect(Math.min(...ms)).toBeGreaterThanOrEqual(UPSTREAM_TIMEOUT_MS - 50);
        expect(Math.max(...ms)).toBeLessThanOrEqual(UPSTREAM_TIMEOUT_MS + SLACK_MS);
        expect(recoveryMs).toBeLessThanOrEqual(RECOVERY_LIMIT_MS);
        expect(alive(first)).toBe(true);
      } finally {
        second.child.kill("SIGCONT");
        await load.stop();
      }
    }, 90_000);
  });
}
