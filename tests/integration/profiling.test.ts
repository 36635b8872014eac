// CPU profiles from the compiled first binary, decoded the way Parca reads them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeProfile } from "../../shared/profiling/decode";
import { renderFlameGraph } from "../../tools/flamegraph/render";
import { OtlpReceiver } from "../support/otlp-receiver";
import { type Service, startBinary } from "../support/processes";
import { launchers, RUNTIME } from "../support/services";

let first: Service;
let traced: Service;
const otlp = new OtlpReceiver().start();

beforeAll(async () => {
  const bins = await launchers();
  first = await startBinary(bins.first, { OTEL_TRACES_EXPORTER: "none", LOG_LEVEL: "warn" });
  traced = await startBinary(bins.first, {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    OTEL_BSP_SCHEDULE_DELAY: "200",
    LOG_LEVEL: "warn",
  });
});

afterAll(async () => {
  await Promise.all([first?.stop("SIGKILL"), traced?.stop("SIGKILL")]);
  await otlp.stop();
});

/** Keeps `concurrency` GET /fib/<n> in flight until `until` settles. */
async function loadUntil(until: Promise<unknown>, concurrency = 3, service = first, n = 25) {
  let done = false;
  until.finally(() => {
    done = true;
  });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!done) await (await fetch(`${service.url}/fib/${n}`)).arrayBuffer();
    }),
  );
}

/**
 * Starts a `seconds`-long profile and resolves once the service is taking it: a probe is then refused with 409. If
 * the probe reached the profiler first (the long request is refused instead), it tries again.
 */
async function profileInProgress(service: Service, seconds: number): Promise<{ profiled: Promise<Response> }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const profiled = fetch(`${service.url}/debug/pprof/profile?seconds=${seconds}`);
    await Bun.sleep(300);
    const probe = await fetch(`${service.url}/debug/pprof/profile?seconds=1`);
    await probe.arrayBuffer();
    if (probe.status === 409) return { profiled };
    await (await profiled).arrayBuffer();
  }
  throw new Error(`a ${seconds} s profile never started`);
}

const isChain = (stack: string[]) => {
  const i = stack.indexOf("_one");
  return i >= 0 && stack[i + 1] === "_two" && stack[i + 2] === "_fibo" && stack[i + 3] === "fibo";
};

describe(`GET /debug/pprof/profile (${RUNTIME})`, () => {
  test("under /fib/25 load, the large majority of samples show _one → _two → _fibo → fibo, caller first", async () => {
    const profiled = fetch(`${first.url}/debug/pprof/profile?seconds=3`);
    await loadUntil(profiled);
    const response = await profiled;
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    const decoded = decodeProfile(new Uint8Array(await response.arrayBuffer()));

    // What Parca's validator needs.
    expect(decoded.sampleTypes).toEqual(["samples/count", "cpu/nanoseconds"]);
    expect(Number(decoded.profile.durationNanos)).toBeGreaterThanOrEqual(2.9e9);
    expect(Math.abs(Number(decoded.profile.timeNanos) / 1e6 - Date.now())).toBeLessThan(30_000);
    expect(Number(decoded.profile.period)).toBe(10_000_000);
    expect(decoded.profile.function.map((f) => Number(f.id))).toEqual(decoded.profile.function.map((_, i) => i + 1));
    expect(decoded.profile.location.map((l) => Number(l.id))).toEqual(decoded.profile.location.map((_, i) => i + 1));

    const stacks = decoded.stacks;
    expect(stacks.length).toBeGreaterThan(150);
    const chained = stacks.filter(isChain).length;
    expect(chained / stacks.length).toBeGreaterThan(0.75);
    // Frames carry the original source file and line (the binary embeds its source map).
    const fibFrames = decoded.frames.flat().filter((f) => f.startsWith("_fibo "));
    expect(fibFrames[0]).toMatch(/^_fibo (.*\/)?first\/fib\/fib\.ts:\d+$/);

    const svg = renderFlameGraph(stacks, "test");
    expect(svg).toStartWith("<svg");
    expect(svg).toContain("<title>_fibo (");
  });

  test("a second profile while one runs is a 409; bad seconds is a 400; both JSON", async () => {
    const running = fetch(`${first.url}/debug/pprof/profile?seconds=1`);
    await new Promise((r) => setTimeout(r, 200));
    const busy = await fetch(`${first.url}/debug/pprof/profile?seconds=1`);
    expect(busy.status).toBe(409);
    expect(((await busy.json()) as { error: { code: string } }).error.code).toBe("profile_in_progress");
    expect((await running).status).toBe(200);

    for (const seconds of ["0", "-1", "abc", "1.5", "9".repeat(20)]) {
      const bad = await fetch(`${first.url}/debug/pprof/profile?seconds=${seconds}`);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("bad_request");
    }
  });

  test("SIGTERM during a 60 s profile: the profile is answered with what was sampled, then the service exits 0", async () => {
    const bins = await launchers();
    const service = await startBinary(bins.first, { OTEL_TRACES_EXPORTER: "none", LOG_LEVEL: "warn" });
    try {
      const { profiled } = await profileInProgress(service, 60);
      service.child.kill("SIGTERM");
      const response = await profiled;
      expect(response.status).toBe(200);
      const profile = decodeProfile(new Uint8Array(await response.arrayBuffer())).profile;
      expect(Number(profile.durationNanos)).toBeLessThan(30e9);
      expect(await service.exited).toEqual({ code: 0, signal: null });
    } finally {
      await service.stop("SIGKILL");
    }
  }, 60_000);
});

describe(`profiles tied to traces (${RUNTIME})`, () => {
  test("samples inside the fibonacci work carry the trace_id and span_id of that exported span", async () => {
    // /fib/32: each request's CPU work lasts tens of ms, well above the 100 Hz sampler's resolution.
    const profiled = fetch(`${traced.url}/debug/pprof/profile?seconds=3`);
    await loadUntil(profiled, 3, traced, 32);
    const decoded = decodeProfile(new Uint8Array(await (await profiled).arrayBuffer()));

    const inFib = decoded.stacks
      .map((stack, i) => ({ stack, labels: decoded.labels[i] ?? {} }))
      .filter((s) => isChain(s.stack));
    expect(inFib.length).toBeGreaterThan(150);
    const labelled = inFib.filter((s) => s.labels.trace_id);
    // Samples within half a sampling interval of a span edge stay unlabelled by design.
    expect(labelled.length / inFib.length).toBeGreaterThan(0.6);
    // Every span a label names must be one that was exported (spans still in the batch queue arrive shortly).
    const named = new Set(labelled.map((s) => s.labels.span_id));
    await otlp.waitFor((r) => [...named].every((id) => r.spans.some((span) => span.spanId === id)));
    // A sample is labelled with the fibonacci span that ran it, or (at its very edges, within the sampler's clock
    // alignment) with that request's SERVER span: either way the right trace.
    const byId = new Map(otlp.spans.map((span) => [span.spanId, span]));
    const fibTraces = new Set(otlp.spans.filter((span) => span.name === "fibonacci").map((span) => span.traceId));
    for (const { labels } of labelled) {
      const span = byId.get(labels.span_id as string);
      expect(span?.traceId).toBe(labels.trace_id);
      expect(fibTraces.has(labels.trace_id as string)).toBe(true);
    }
    const onFibSpan = labelled.filter((s) => byId.get(s.labels.span_id as string)?.name === "fibonacci").length;
    expect(onFibSpan / labelled.length).toBeGreaterThan(0.8);
  });
});
