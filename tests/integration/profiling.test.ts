// CPU profiles from the compiled first binary, decoded the way Parca reads them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type DecodedProfile, decodeProfile } from "../../shared/profiling/decode";
import { renderFlameGraph } from "../../tools/flamegraph/render";
import { OtlpReceiver } from "../support/otlp-receiver";
import { type Service, startBinary } from "../support/processes";
import { launchers, RUNTIME, SETUP_TIMEOUT_MS } from "../support/services";

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
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all([first?.stop("SIGKILL"), traced?.stop("SIGKILL")]);
  await otlp.stop();
});

/** Keeps `concurrency` GET /fib/<n> in flight until `until` settles. */
async function loadUntil(until: Promise<unknown>, concurrency = 3, service = first, n = 25) {
  let done = false;
  const stop = () => {
    done = true;
  };
  until.then(stop, stop);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!done) await (await fetch(`${service.url}/fib/${n}`)).arrayBuffer();
    }),
  );
}

/** Enough samples for the proportions below to mean something; a busy machine may need several profiles for them. */
const ENOUGH_SAMPLES = 150;
/** How many 3 s profiles a test may take to collect them: on an idle machine one is enough. */
const MAX_PROFILES = 10;

/**
 * Takes 3 s profiles of `service` under /fib/<n> load until `enough(profiles so far)`, at most MAX_PROFILES of them:
 * a loaded machine gives the service fewer samples per second, so the tests count samples, not seconds.
 */
async function profilesUnderLoad(
  service: Service,
  n: number,
  enough: (profiles: DecodedProfile[]) => boolean,
): Promise<{ profiles: DecodedProfile[]; received: number[] }> {
  const profiles: DecodedProfile[] = [];
  const received: number[] = [];
  while (!enough(profiles)) {
    if (profiles.length === MAX_PROFILES) {
      const samples = profiles.reduce((sum, p) => sum + p.stacks.length, 0);
      throw new Error(`not enough samples after ${MAX_PROFILES} profiles of 3 s (${samples} samples in all)`);
    }
    const profiled = fetch(`${service.url}/debug/pprof/profile?seconds=3`);
    await loadUntil(profiled, 3, service, n);
    const response = await profiled;
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    profiles.push(decodeProfile(new Uint8Array(await response.arrayBuffer())));
    received.push(Date.now());
  }
  return { profiles, received };
}

/**
 * Starts a `seconds`-long profile and resolves once the service is taking it. A 1 s probe answered 409 proves it
 * (this test is the service's only client). A probe that got the profiler first makes the long request a 409 or
 * makes it wait for the probe to end (then the next probe sees it); a long request answered before any probe saw it
 * (refused, or over already on a slow machine) is sent again.
 */
async function profileInProgress(
  service: Service,
  seconds: number,
): Promise<{ profiled: Promise<Response>; refusal: unknown }> {
  let profiled = fetch(`${service.url}/debug/pprof/profile?seconds=${seconds}`);
  let answered = false;
  const watch = (request: Promise<Response>) =>
    request.then(
      () => {
        if (request === profiled) answered = true;
      },
      () => {},
    );
  void watch(profiled);
  for (let probes = 0; probes < 20; probes++) {
    await Bun.sleep(200);
    if (answered) {
      answered = false;
      profiled = fetch(`${service.url}/debug/pprof/profile?seconds=${seconds}`);
      void watch(profiled);
      continue;
    }
    const probe = await fetch(`${service.url}/debug/pprof/profile?seconds=1`);
    const body = await probe.text();
    if (probe.status === 409) return { profiled, refusal: JSON.parse(body) };
  }
  throw new Error(`a ${seconds} s profile never started`);
}

const isChain = (stack: string[]) => {
  const i = stack.indexOf("_one");
  return i >= 0 && stack[i + 1] === "_two" && stack[i + 2] === "_fibo" && stack[i + 3] === "fibo";
};

describe(`GET /debug/pprof/profile (${RUNTIME})`, () => {
  test("under /fib/25 load, the large majority of samples show _one → _two → _fibo → fibo, caller first", async () => {
    const { profiles, received } = await profilesUnderLoad(
      first,
      25,
      (taken) => taken.reduce((sum, p) => sum + p.stacks.length, 0) >= ENOUGH_SAMPLES,
    );
    for (const [i, decoded] of profiles.entries()) {
      // What Parca's validator needs.
      expect(decoded.sampleTypes).toEqual(["samples/count", "cpu/nanoseconds"]);
      expect(Number(decoded.profile.durationNanos)).toBeGreaterThanOrEqual(2.9e9);
      expect(Math.abs(Number(decoded.profile.timeNanos) / 1e6 - (received[i] as number))).toBeLessThan(30_000);
      expect(Number(decoded.profile.period)).toBe(10_000_000);
      expect(decoded.profile.function.map((f) => Number(f.id))).toEqual(decoded.profile.function.map((_, j) => j + 1));
      expect(decoded.profile.location.map((l) => Number(l.id))).toEqual(decoded.profile.location.map((_, j) => j + 1));
    }

    const stacks = profiles.flatMap((p) => p.stacks);
    const chained = stacks.filter(isChain).length;
    expect(chained / stacks.length).toBeGreaterThan(0.75);
    // Frames carry the original source file and line (the binary embeds its source map).
    const fibFrames = profiles.flatMap((p) => p.frames.flat()).filter((f) => f.startsWith("_fibo "));
    expect(fibFrames[0]).toMatch(/^_fibo (.*\/)?first\/fib\/fib\.ts:\d+$/);

    const svg = renderFlameGraph(stacks, "test");
    expect(svg).toStartWith("<svg");
    expect(svg).toContain("<title>_fibo (");
  });

  test("CPU_PROFILE_HZ sets the sampling rate: the period says it, and the samples keep to it", async () => {
    const bins = await launchers();
    const service = await startBinary(bins.first, {
      OTEL_TRACES_EXPORTER: "none",
      LOG_LEVEL: "warn",
      CPU_PROFILE_HZ: "19",
    });
    try {
      const seconds = 2;
      const taken = fetch(`${service.url}/debug/pprof/profile?seconds=${seconds}`);
      await loadUntil(taken, 3, service);
      const decoded = decodeProfile(new Uint8Array(await (await taken).arrayBuffer()));
      expect(Number(decoded.profile.period)).toBe(Math.round(1e6 / 19) * 1000);
      // At the default 100 Hz the same busy seconds give about 200 samples.
      expect(decoded.stacks.length).toBeLessThanOrEqual(Math.ceil(19 * seconds * 1.5));
    } finally {
      await service.stop("SIGKILL");
    }
  });

  test("a second profile while one runs is a 409; bad seconds is a 400; both JSON", async () => {
    const { profiled, refusal } = await profileInProgress(first, 2);
    expect((refusal as { error: { code: string } }).error.code).toBe("profile_in_progress");
    expect((await profiled).status).toBe(200);

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
    const inFibOf = (decoded: DecodedProfile) =>
      decoded.stacks.map((stack, i) => ({ stack, labels: decoded.labels[i] ?? {} })).filter((s) => isChain(s.stack));
    const { profiles } = await profilesUnderLoad(
      traced,
      32,
      (taken) => taken.reduce((sum, p) => sum + inFibOf(p).length, 0) >= ENOUGH_SAMPLES,
    );
    const inFib = profiles.flatMap(inFibOf);
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
