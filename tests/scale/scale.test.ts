// The scale-out topology the Helm chart describes, run natively on loopback (tests/scale/topology.ts), and what
// it promises: whole traces across replicas and gateways, tail sampling as configured, surviving the loss of a
// replica of each tier, shared state, a rolling restart without failures, and span accounting that adds up.
// Prints a table of its figures at the end (docs/scale-out.md).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { poll } from "../support/poll";
import { type Sampling, startTopology, type Topology } from "./topology";
import {
  type Fate,
  lookUp,
  metricsText,
  type Sent,
  sendChain,
  shapeOf,
  startUpstream,
  steadyLoad,
  sumMetric,
} from "./traffic";

const SAMPLING: Sampling = { decisionWait: "3s", slowTraceMs: 1000, samplePercent: 20 };
const SLOW_MS = 1500;
/** Kept share of ordinary traces: samplePercent ± this many percentage points (≈ 5 standard deviations at n ≈ 1,600). */
const TOLERANCE_PP = 5;
const CHAIN_REQUESTS = 2000;
const CONCURRENCY = 32;
/** 10% of the chain fails at HTTPBin (second answers 502), 5% is slower than the threshold, the rest is ordinary. */
const fateOf = (i: number): Fate => (i % 10 === 3 ? "error" : i % 20 === 7 ? "slow" : "ok");

const upstream = startUpstream(SLOW_MS);
let topology: Topology;
const figures: [string, string][] = [];
const figure = (what: string, value: string | number) => figures.push([what, String(value)]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Long enough for the last spans to be exported, decided on (decision_wait) and written to Jaeger. */
const settle = () => sleep(Number.parseInt(SAMPLING.decisionWait, 10) * 1000 + 4000);

beforeAll(async () => {
  topology = await startTopology({ upstreamUrl: upstream.url, sampling: SAMPLING });
}, 180_000);

afterAll(async () => {
  await topology?.stop();
  upstream.stop();
  if (figures.length > 0) {
    console.log("\n| figure | value |\n| --- | --- |");
    for (const [what, value] of figures) console.log(`| ${what} | ${value} |`);
  }
}, 60_000);

describe("scale-out topology (2× first, 2× second, agent → 2 gateways → Jaeger, one sqld)", () => {
  test("Prometheus scrapes every replica and both Collector tiers", async () => {
    const targets = await poll("every target up", 20_000, async () => {
      const all = await topology.prometheus.targets();
      return all.length === 7 && all.every((t) => t.health === "up") ? all : undefined;
    });
    const jobs = ["first", "first", "otelcol-agent", "otelcol-gateway", "otelcol-gateway", "second", "second"];
    expect(targets.map((t) => t.job).sort()).toEqual(jobs);
    figure("Prometheus targets up (4 replicas, agent, 2 gateways)", `${targets.length}/7`);
  });

  test("shared state: 500 concurrent writes across both first replicas → 500 rows, read back through each", async () => {
    const names = Array.from({ length: 500 }, (_, i) => `scale-item-${i}`);
    const t0 = performance.now();
    const results = await Promise.all(
      names.map((name) =>
        fetch(`${topology.firstBalancer.url}/items`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name, price: 1 }),
        }).then(async (r) => (r.status === 201 ? 201 : `${r.status} ${(await r.text()).slice(0, 200)}`)),
      ),
    );
    // On failure, what the replicas logged about it (database code and reason).
    const errorLogs = topology.firsts
      .flatMap((r) => r.service.logs().filter((l) => l.level === "error" || l.level === "fatal"))
      .slice(0, 3);
    expect({ failed: results.filter((s) => s !== 201), errorLogs }).toEqual({ failed: [], errorLogs: [] });
    for (const replica of topology.firsts) {
      const { items } = (await (await fetch(`${replica.service.url}/items`)).json()) as {
        items: { id: number; name: string }[];
      };
      const ours = items.filter((item) => item.name.startsWith("scale-item-"));
      expect([
        replica.name,
        ours.length,
        new Set(ours.map((i) => i.name)).size,
        new Set(ours.map((i) => i.id)).size,
      ]).toEqual([replica.name, 500, 500, 500]);
    }
    const [secondA, secondB] = topology.seconds;
    const itemId = 424242;
    const put = await fetch(`${secondA?.service.url}/stocks/${itemId}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ quantity: 7 }),
    });
    expect(put.status).toBe(200);
    const { stocks } = (await (await fetch(`${secondB?.service.url}/stocks`)).json()) as {
      stocks: { itemId: number; quantity: number }[];
    };
    expect(stocks.find((s) => s.itemId === itemId)?.quantity).toBe(7);
    figure(
      "500 concurrent writes across replicas → rows (distinct), burst time",
      `500 → 500 (500), same on both first replicas; ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  });

  let phase1: Sent[] = [];

  test(`${CHAIN_REQUESTS} chain requests: every kept trace is whole; errors and slow traces all kept, ${SAMPLING.samplePercent}% of the rest`, async () => {
    const t0 = performance.now();
    phase1 = await sendChain(topology.firstBalancer.url, CHAIN_REQUESTS, CONCURRENCY, fateOf, upstream.fates);
    const seconds = (performance.now() - t0) / 1000;
    figure("chain requests (10% failing upstream, 5% slow)", `${phase1.length} in ${seconds.toFixed(1)} s`);
    const unexpected = phase1.filter((s) => (s.fate === "error" ? s.status !== 502 : s.status !== 200));
    expect(unexpected.map((s) => `${s.fate}:${s.status} ${s.body ?? ""}`)).toEqual([]);

    await settle();
    const found = await lookUp(
      topology.jaeger.queryUrl,
      phase1.map((s) => s.traceId),
    );
    const kept = (fate: Fate, filter: (s: Sent) => boolean = () => true) => {
      const of = phase1.filter((s) => s.fate === fate && filter(s));
      return { total: of.length, kept: of.filter((s) => found.has(s.traceId)).length };
    };
    const errors = kept("error");
    const slow = kept("slow");
    // Ordinary requests that were certainly faster than the threshold (the client's time bounds the trace's).
    const ordinary = kept("ok", (s) => s.ms < SAMPLING.slowTraceMs);
    const share = (100 * ordinary.kept) / ordinary.total;
    figure("error traces kept", `${errors.kept}/${errors.total}`);
    figure("slow traces (> 1 s) kept", `${slow.kept}/${slow.total}`);
    figure(
      `ordinary traces kept (configured ${SAMPLING.samplePercent}% ± ${TOLERANCE_PP})`,
      `${ordinary.kept}/${ordinary.total} = ${share.toFixed(1)}%`,
    );

    const shapes = phase1.flatMap((s) => {
      const trace = found.get(s.traceId);
      return trace ? [shapeOf(trace, s.parentSpanId)] : [];
    });
    const broken = shapes.filter((s) => !s.complete);
    figure(
      "kept traces complete (4 spans, exact parents, no orphans)",
      `${shapes.length - broken.length}/${shapes.length}`,
    );
    const firstInstances = new Set(shapes.map((s) => s.firstInstance));
    const secondInstances = new Set(shapes.map((s) => s.secondInstance));
    figure("replicas seen in kept traces", `${[...firstInstances, ...secondInstances].sort().join(", ")}`);

    expect(broken.map((s) => s.problem)).toEqual([]);
    expect(errors.kept).toBe(errors.total);
    expect(slow.kept).toBe(slow.total);
    expect(Math.abs(share - SAMPLING.samplePercent)).toBeLessThanOrEqual(TOLERANCE_PP);
    expect([...firstInstances].sort()).toEqual(["first-1", "first-2"]);
    expect([...secondInstances].sort()).toEqual(["second-1", "second-2"]);
  }, 240_000);

  test("accounting: spans received by the agent == spans exported by the gateways + spans dropped by sampling", async () => {
    const counts = await poll("the Collectors' counters to settle", 20_000, async () => {
      const agent = await metricsText(topology.agent.metricsUrl);
      const gateways = await Promise.all(topology.gateways.map((g) => metricsText(g.metricsUrl)));
      const received = sumMetric(agent, "otelcol_receiver_accepted_spans");
      const forwarded = sumMetric(agent, "otelcol_exporter_sent_spans");
      const gatewayIn = gateways.map((t) => sumMetric(t, "otelcol_receiver_accepted_spans"));
      const exported = gateways.map((t) => sumMetric(t, "otelcol_exporter_sent_spans"));
      // Tail sampling's input is what memory_limiter passes on; its output is what the batch processor after it
      // sends (the tail sampling processor counts traces, not spans, per decision).
      const sampledIn = gateways.map((t) =>
        sumMetric(t, "otelcol_processor_outgoing_items", 'processor="memory_limiter"'),
      );
      const sampledOut = gateways.map((t) => sumMetric(t, "otelcol_processor_batch_batch_send_size_sum"));
      const dropped = sampledIn.map((n, i) => n - (sampledOut[i] ?? 0));
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      const result = { received, forwarded, gatewayIn, exported, dropped, total: sum(exported) + sum(dropped) };
      return received > 0 && result.total === received ? result : undefined;
    }).catch(async (error) => {
      const agent = await metricsText(topology.agent.metricsUrl);
      const gateway = await metricsText(topology.gateways[0]?.metricsUrl ?? "");
      throw new Error(
        `${(error as Error).message}\nagent:\n${agent
          .split("\n")
          .filter((l) => l.includes("spans"))
          .join("\n")}\ngateway-1:\n${gateway
          .split("\n")
          .filter((l) => /spans|items/.test(l))
          .join("\n")}`,
      );
    });
    figure(
      "spans: agent received = gateways exported + dropped by tail sampling",
      `${counts.received} = ${counts.exported.join(" + ")} + ${counts.dropped.join(" + ")}`,
    );
    expect(counts.forwarded).toBe(counts.received);
    expect(counts.gatewayIn.every((n) => n > 0)).toBe(true);
  });

  test("replica loss: SIGKILL one first, one second and one gateway under load; 0 failures once the balancer notices", async () => {
    const load = steadyLoad(topology.firstBalancer.url, 16, upstream.fates);
    await sleep(2000);
    const [first1] = topology.firsts;
    const [second1] = topology.seconds;
    const [gateway1] = topology.gateways;
    if (!first1 || !second1 || !gateway1) throw new Error("topology incomplete");
    const killedAt = Date.now();
    await Promise.all([first1.service.stop("SIGKILL"), second1.service.stop("SIGKILL"), gateway1.stop("SIGKILL")]);
    const noticedAt = await poll("both balancers mark the killed replica DOWN", 10_000, async () => {
      const [a, b] = await Promise.all([topology.firstBalancer.states(), topology.secondBalancer.states()]);
      return a["first-1"]?.startsWith("DOWN") && b["second-1"]?.startsWith("DOWN") ? Date.now() : undefined;
    });
    await sleep(3000);
    await Promise.all([first1.restart(), second1.restart()]);
    const gateway = topology.adopt(await gateway1.restart());
    topology.gateways[0] = gateway;
    await poll("restarted replicas UP again", 10_000, async () => {
      const [a, b] = await Promise.all([topology.firstBalancer.states(), topology.secondBalancer.states()]);
      return a["first-1"] === "UP" && b["second-1"] === "UP" ? true : undefined;
    });
    const servedBefore = await topology.firstBalancer.served();
    const secondServedBefore = await topology.secondBalancer.served();
    await sleep(3000);
    const sent = await load.stop();
    const servedAfter = await topology.firstBalancer.served();
    const secondServedAfter = await topology.secondBalancer.served();

    const failed = sent.filter((s) => s.status !== 200);
    const failedAfterNotice = failed.filter((s) => s.startedAt >= noticedAt);
    figure("replica loss: time until both balancers marked the killed replicas DOWN", `${noticedAt - killedAt} ms`);
    figure(
      "replica loss: failed requests before the balancer noticed / after",
      `${failed.length - failedAfterNotice.length} / ${failedAfterNotice.length} (of ${sent.length})`,
    );
    expect(failedAfterNotice.map((s) => s.status)).toEqual([]);
    const spread = ["first-1", "first-2"].map((n) => (servedAfter[n] ?? 0) - (servedBefore[n] ?? 0));
    const secondSpread = ["second-1", "second-2"].map(
      (n) => (secondServedAfter[n] ?? 0) - (secondServedBefore[n] ?? 0),
    );
    figure(
      "after restart, requests per first / second replica (3 s)",
      `${spread.join(" + ")} / ${secondSpread.join(" + ")}`,
    );
    expect(spread.every((n) => n > 0)).toBe(true);
    expect(secondSpread.every((n) => n > 0)).toBe(true);

    // Traces begun after the loss: whichever gateway their trace id hashes to, they arrive whole (the agent queues
    // for the dead one and delivers after its restart); export resumes on the restarted gateway.
    await settle();
    const afterLoss = sent.filter((s) => s.startedAt >= noticedAt && s.status === 200);
    const found = await lookUp(
      topology.jaeger.queryUrl,
      afterLoss.map((s) => s.traceId),
    );
    const shapes = afterLoss.flatMap((s) => {
      const trace = found.get(s.traceId);
      return trace ? [shapeOf(trace, s.parentSpanId)] : [];
    });
    const broken = shapes.filter((s) => !s.complete);
    const exportedByRestarted = sumMetric(await metricsText(gateway.metricsUrl), "otelcol_exporter_sent_spans");
    figure(
      "after the loss: kept traces complete; spans exported by the restarted gateway",
      `${shapes.length - broken.length}/${shapes.length}; ${exportedByRestarted}`,
    );
    expect(broken.map((s) => s.problem)).toEqual([]);
    expect(shapes.length).toBeGreaterThan(0);
    expect(exportedByRestarted).toBeGreaterThan(0);
  }, 120_000);

  test("rolling restart: each replica taken out of rotation, then SIGTERM, restarted, back in: 0 failed requests", async () => {
    const load = steadyLoad(topology.firstBalancer.url, 16, upstream.fates);
    await sleep(1000);
    const replicas = [
      ...topology.firsts.map((r) => ({ replica: r, balancer: topology.firstBalancer })),
      ...topology.seconds.map((r) => ({ replica: r, balancer: topology.secondBalancer })),
    ];
    for (const { replica, balancer } of replicas) {
      // What Kubernetes does: the pod leaves the endpoints, the preStop pause lets that propagate, then SIGTERM.
      await balancer.setState(replica.name, "drain");
      await sleep(500);
      expect(await replica.service.stop("SIGTERM")).toEqual({ code: 0, signal: null });
      await replica.restart();
      await balancer.setState(replica.name, "ready");
      await poll(`${replica.name} UP again`, 10_000, async () =>
        (await balancer.states())[replica.name] === "UP" ? true : undefined,
      );
    }
    await sleep(1000);
    const sent = await load.stop();
    const failed = sent.filter((s) => s.status !== 200);
    figure("rolling restart of all 4 replicas: failed requests", `${failed.length} of ${sent.length}`);
    expect(failed.map((s) => s.status)).toEqual([]);
  }, 120_000);
});
