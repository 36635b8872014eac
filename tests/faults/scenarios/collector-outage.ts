// 1. The collector goes away for a while under steady load: requests must not notice, memory must stay bounded,
// dropped spans must be counted, and export must resume when it is back.
import { describe, expect, test } from "bun:test";
import { freePort } from "../../support/ports";
import type { Service } from "../../support/processes";
import { FixedPortCollector } from "../lib/collector";
import { type Outcome, outcomeKey, percentile, sleep, startLoad, tally, timedFetch } from "../lib/load";
import { type CpuSnapshot, cpuSnapshot, foreignCpuShare, metricSum, rssMiB, scrape } from "../lib/proc";
import { figure } from "../lib/report";
import { LONG, pid, sharedHttpbin, start, track } from "../lib/suite";

const S = "1 collector down";
const WARMUP_MS = 3000;
const BASELINE_MS = LONG ? 30_000 : 10_000;
const OUTAGE_MS = LONG ? 60_000 : 10_000;
const RESUME_LIMIT_MS = 10_000;
const AFTER_MS = LONG ? 30_000 : 10_000;
const P99_BAR = 1.2;
/** Outage cycles at most, when the first is over the p99 limit or disturbed by other work (see `settled`). */
const MAX_CYCLES = 4;
/** Largest spread, between a cycle's windows, of the CPU share other processes took, for the cycle to count. */
const CLEAN_CPU_SPREAD = 0.05;
const CYCLE_MS = OUTAGE_MS + RESUME_LIMIT_MS + 1000 + AFTER_MS;

const ms = (outcomes: Outcome[]) => outcomes.map((o) => o.ms);
const p99 = (outcomes: Outcome[]) => percentile(ms(outcomes), 99);
const p50 = (outcomes: Outcome[]) => percentile(ms(outcomes), 50);
const within = (outcomes: Outcome[], from: number, to: number) =>
  outcomes.filter((o) => o.start >= from && o.start < to);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const percent = (share: number) => `${Math.round(share * 100)}%`;

interface Window {
  from: number;
  to: number;
  cpuFrom: CpuSnapshot;
  cpuTo: CpuSnapshot;
}

export function collectorOutage() {
  describe("1. collector down for a while at steady load", () => {
    test(
      `no failed request, p99 and RSS steady, drops counted, export resumes (outage ${OUTAGE_MS / 1000} s)`,
      async () => {
        const collector = track(new FixedPortCollector(await freePort()).up());
        const otel = {
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
          OTEL_BSP_SCHEDULE_DELAY: "200",
          OTEL_BSP_MAX_QUEUE_SIZE: "512",
          OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "128",
          LOG_LEVEL: "warn",
        };
        const httpbin = await sharedHttpbin();
        const second = await start("second", { ...otel, HTTPBIN_URL: httpbin.url });
        const first = await start("first", { ...otel, SECOND_URL: second.url, CHAIN_SLEEP_MAX_MS: "0" });
        const firstSpans = async () =>
          (await collector.sync()).spans.filter((s) => s.resource["service.name"] === "first").length;
        // What the processes under test use, to tell how much CPU the rest of the machine took in each window.
        const ours = [process.pid, ...[first, second, httpbin].map((p) => pid(p as Service))];
        const windowOf = async (length: number): Promise<Window> => {
          const from = performance.now();
          const cpuFrom = cpuSnapshot(ours);
          await sleep(length);
          return { from, to: performance.now(), cpuFrom, cpuTo: cpuSnapshot(ours) };
        };

        // 4 loops, POST / (first → second → HTTPBin) and GET /fib/10 alternating.
        const load = startLoad({
          concurrency: 4,
          maxRequests: 2_000_000,
          maxMs: WARMUP_MS + BASELINE_MS + MAX_CYCLES * CYCLE_MS + 30_000,
          next: (i) =>
            i % 2 === 0
              ? timedFetch("chain", `${first.url}/`, { method: "POST" })
              : timedFetch("fib", `${first.url}/fib/10`),
        });
        // RSS twice a second: single readings swing by ±10 MiB with the garbage collector's cycle.
        const rss: { at: number; mib: number }[] = [];
        const sampler = setInterval(() => rss.push({ at: performance.now(), mib: rssMiB(pid(first)) }), 500);

        /** Collector down for OUTAGE_MS, then back: the outage window, how soon export resumed, the window after. */
        const cycle = async () => {
          await collector.down();
          const outage = await windowOf(OUTAGE_MS);
          const metricsAtEnd = await scrape(first.url);
          const spansAtReturn = await firstSpans();
          collector.up();
          const returned = performance.now();
          while ((await firstSpans()) === spansAtReturn && performance.now() - returned < RESUME_LIMIT_MS + 5000) {
            await sleep(20);
          }
          const resumeMs = performance.now() - returned;
          await sleep(1000);
          return { outage, metricsAtEnd, resumeMs, after: await windowOf(AFTER_MS) };
        };

        try {
          await sleep(WARMUP_MS);
          const baseline = await windowOf(BASELINE_MS);
          const metricsBefore = await scrape(first.url);
          expect(await firstSpans()).toBeGreaterThan(0);
          const cycles = [{ before: baseline, ...(await cycle()) }];

          // p99 of the outage against the slower of the windows around it (collector up before, and back after).
          const ratioOf = (c: (typeof cycles)[number], outcomes: Outcome[]) =>
            p99(within(outcomes, c.outage.from, c.outage.to)) /
            Math.max(
              p99(within(outcomes, c.before.from, c.before.to)),
              p99(within(outcomes, c.after.from, c.after.to)),
            );
          // A cycle is clean when the rest of the machine took about the same CPU in its three windows: on this
          // shared 2-core machine, other work landing in one 10 s window moves its p99 by up to ±50% with no outage
          // at all. Cycles are repeated (up to MAX_CYCLES) until the first is clean and within the limit, or three are
          // clean; the verdict is the median of the clean ones (of all, if none is): a slowdown the outage causes
          // shows in each.
          const foreign = (c: (typeof cycles)[number]) =>
            [c.before, c.outage, c.after].map((w) => foreignCpuShare(w.cpuFrom, w.cpuTo));
          const clean = (c: (typeof cycles)[number]) =>
            Math.max(...foreign(c)) - Math.min(...foreign(c)) <= CLEAN_CPU_SPREAD;
          const settled = () => {
            const first = cycles[0] as (typeof cycles)[number];
            if (clean(first) && ratioOf(first, [...load.outcomes]) <= P99_BAR) return true;
            return cycles.filter(clean).length >= 3 || cycles.length >= MAX_CYCLES;
          };
          while (!settled()) {
            const previous = cycles[cycles.length - 1] as (typeof cycles)[number];
            cycles.push({ before: previous.after, ...(await cycle()) });
          }
          const outcomes = await load.stop();
          clearInterval(sampler);

          const [c1] = cycles as [(typeof cycles)[number]];
          const failed = outcomes.filter((o) => o.status !== 200);
          const meanRss = (from: number, to: number) => {
            const inside = rss.filter((r) => r.at >= from && r.at < to).map((r) => r.mib);
            return inside.reduce((a, b) => a + b, 0) / inside.length;
          };
          // The outage's second half against the baseline: what the outage has added by then.
          const rssBefore = meanRss(baseline.from, baseline.to);
          const rssAfter = meanRss(c1.outage.to - OUTAGE_MS / 2, c1.outage.to);
          const rssPeak = Math.max(
            ...rss.filter((r) => r.at >= c1.outage.from && r.at < c1.outage.to).map((r) => r.mib),
          );
          const windows = [c1.before, c1.outage, c1.after].map((w) => within(outcomes, w.from, w.to));
          const [before, during, after] = windows as [Outcome[], Outcome[], Outcome[]];
          const ratios = cycles.map((c) => ratioOf(c, outcomes));
          const cleanRatios = cycles.filter(clean).map((c) => ratioOf(c, outcomes));
          // With no clean cycle at all (other work came and went all along), every cycle counts.
          const ratio = median(cleanRatios.length > 0 ? cleanRatios : ratios);
          const dropped = (text: string) =>
            metricSum(text, "otel_sdk_processor_span_processed_total", { error_type: "queue_full" });
          const exportFailures = (text: string) =>
            metricSum(text, "otel_sdk_exporter_span_exported_total", (labels) => labels.includes("error_type="));
          const droppedInOutage = dropped(c1.metricsAtEnd) - dropped(metricsBefore);
          const byKind = (list: Outcome[], kind: string) => list.filter((o) => o.kind === kind);
          const three = (f: (o: Outcome[]) => number) => windows.map((w) => f(w).toFixed(2)).join(" / ");

          figure(
            S,
            "requests before / during / after / whole run",
            `${before.length} / ${during.length} / ${after.length} / ${outcomes.length}`,
          );
          figure(S, "failed requests", failed.length, "0", failed.length === 0);
          figure(S, "p50 ms before / during / after", three(p50));
          figure(S, "p99 ms before / during / after", three(p99));
          figure(
            S,
            "p99 ms chain / fib, before → during",
            `${p99(byKind(before, "chain")).toFixed(2)} → ${p99(byKind(during, "chain")).toFixed(2)} / ${p99(byKind(before, "fib")).toFixed(2)} → ${p99(byKind(during, "fib")).toFixed(2)}`,
          );
          figure(
            S,
            "CPU taken by other processes before / during / after, per cycle",
            cycles.map((c) => `${foreign(c).map(percent).join(" / ")}${clean(c) ? "" : " (disturbed)"}`).join("; "),
          );
          figure(S, "p99 during / before", p99(during) / p99(before));
          figure(
            S,
            cycles.length > 1
              ? `p99 during / max(before, after): median of ${cleanRatios.length > 0 ? "the clean" : "all"} cycles (* disturbed)`
              : "p99 during / max(before, after)",
            cycles.length > 1
              ? `${ratio.toFixed(2)} (${ratios.map((r, i) => `${r.toFixed(2)}${clean(cycles[i] as (typeof cycles)[number]) ? "" : "*"}`).join(", ")})`
              : ratio,
            `≤ ${P99_BAR}`,
            ratio <= P99_BAR,
          );
          figure(
            S,
            "first RSS MiB, mean before → mean over the outage's second half (peak)",
            `${rssBefore.toFixed(1)} → ${rssAfter.toFixed(1)} (${rssPeak.toFixed(1)})`,
          );
          figure(S, "first RSS growth MiB", rssAfter - rssBefore, "≤ 20", rssAfter - rssBefore <= 20);
          figure(S, "spans dropped (queue_full) during outage", droppedInOutage, "> 0", droppedInOutage > 0);
          figure(
            S,
            "spans in failed exports during outage",
            exportFailures(c1.metricsAtEnd) - exportFailures(metricsBefore),
          );
          figure(S, "export resumed after return, s", c1.resumeMs / 1000, "≤ 10", c1.resumeMs <= RESUME_LIMIT_MS);

          expect(tally(failed, outcomeKey)).toEqual({});
          expect(windows.map((w) => w.length > 100)).toEqual([true, true, true]);
          expect(ratio).toBeLessThanOrEqual(P99_BAR);
          expect(rssAfter - rssBefore).toBeLessThanOrEqual(20);
          expect(droppedInOutage).toBeGreaterThan(0);
          expect(cycles.map((c) => c.resumeMs).every((resume) => resume <= RESUME_LIMIT_MS)).toBe(true);
        } finally {
          clearInterval(sampler);
          await load.stop();
          await collector.stop();
        }
      },
      WARMUP_MS + BASELINE_MS + MAX_CYCLES * CYCLE_MS + 90_000,
    );
  });
}
