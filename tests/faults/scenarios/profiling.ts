// 7. The CPU profile endpoint under contention: one profile at a time (the others get a 409 JSON), and `seconds`
// capped at 60 — checked on a real 60 s profile that runs in the background from the start of the tier.
import { describe, expect, test } from "bun:test";
import { decodeProfile } from "../../../shared/profiling/decode";
import type { Service } from "../../support/processes";
import { errorCode, isErrorShape, tally } from "../lib/load";
import { figure } from "../lib/report";
import { start } from "../lib/suite";

const S = "7 profiling";
const CONCURRENT = 4;
const CAP_SECONDS = 60;

interface Capped {
  status: number;
  header: string | null;
  elapsedMs: number;
  durationNanos: number;
}

let capped: Promise<Capped> | undefined;

/** Asks a dedicated first for a 3600 s profile; resolves when it answers (after 60 s if the cap holds). */
export async function startCappedProfile(): Promise<void> {
  const service: Service = await start("first", { LOG_LEVEL: "warn", OTEL_TRACES_EXPORTER: "none" });
  const started = performance.now();
  capped = fetch(`${service.url}/debug/pprof/profile?seconds=3600`, {
    signal: AbortSignal.timeout((CAP_SECONDS + 60) * 1000),
  }).then(async (response) => {
    const body = new Uint8Array(await response.arrayBuffer());
    return {
      status: response.status,
      header: response.headers.get("x-profile-seconds"),
      elapsedMs: performance.now() - started,
      durationNanos: response.status === 200 ? Number(decodeProfile(body).profile.durationNanos) : 0,
    };
  });
  // Surface a failure in the test that awaits it, not as an unhandled rejection.
  capped.catch(() => {});
}

export function profiling() {
  describe("7. profiling endpoint", () => {
    test(`${CONCURRENT} concurrent /debug/pprof/profile → exactly one 200, the others 409 JSON`, async () => {
      const first = await start("first", { LOG_LEVEL: "warn" });
      const responses = await Promise.all(
        Array.from({ length: CONCURRENT }, async () => {
          const response = await fetch(`${first.url}/debug/pprof/profile?seconds=2`, {
            signal: AbortSignal.timeout(30_000),
          });
          const type = response.headers.get("content-type") ?? "";
          const body = type.startsWith("application/json")
            ? await response.json()
            : new Uint8Array(await response.arrayBuffer());
          return { status: response.status, type, body, seconds: response.headers.get("x-profile-seconds") };
        }),
      );
      const ok = responses.filter((r) => r.status === 200);
      const busy = responses.filter((r) => r.status === 409);
      // Once it is done, the next profile may run.
      const nextOne = await fetch(`${first.url}/debug/pprof/profile?seconds=1`, {
        signal: AbortSignal.timeout(30_000),
      });

      figure(
        S,
        `${CONCURRENT} concurrent profiles: answers`,
        JSON.stringify(tally(responses, (r) => String(r.status))),
        "one 200, others 409",
        ok.length === 1 && busy.length === CONCURRENT - 1,
      );
      figure(S, "profile after the first finished", nextOne.status, "200", nextOne.status === 200);

      expect(ok).toHaveLength(1);
      expect(busy).toHaveLength(CONCURRENT - 1);
      const [profile] = ok;
      expect(profile?.type).toBe("application/octet-stream");
      expect(profile?.seconds).toBe("2");
      expect(decodeProfile(profile?.body as Uint8Array).sampleTypes).toEqual(["samples/count", "cpu/nanoseconds"]);
      for (const r of busy) {
        expect(r.type).toStartWith("application/json");
        expect(isErrorShape(r.body)).toBe(true);
        expect(errorCode(r.body)).toBe("profile_in_progress");
      }
      expect(nextOne.status).toBe(200);
      expect(nextOne.headers.get("x-profile-seconds")).toBe("1");
    }, 60_000);

    test(
      `?seconds=3600 is capped at ${CAP_SECONDS}: x-profile-seconds says so and the profile lasts ${CAP_SECONDS} s`,
      async () => {
        if (!capped) throw new Error("the capped profile was not started");
        const result = await capped;
        figure(
          S,
          "?seconds=3600 → x-profile-seconds, answered after s",
          `${result.header}, ${(result.elapsedMs / 1000).toFixed(1)}`,
          `${CAP_SECONDS}, ≈ ${CAP_SECONDS}`,
          result.header === String(CAP_SECONDS) && Math.abs(result.elapsedMs / 1000 - CAP_SECONDS) < 10,
        );
        expect(result.status).toBe(200);
        expect(result.header).toBe(String(CAP_SECONDS));
        expect(result.elapsedMs).toBeGreaterThanOrEqual((CAP_SECONDS - 0.5) * 1000);
        expect(result.elapsedMs).toBeLessThan((CAP_SECONDS + 10) * 1000);
        expect(result.durationNanos / 1e9).toBeCloseTo(CAP_SECONDS, 0);
      },
      (CAP_SECONDS + 70) * 1000,
    );
  });
}
