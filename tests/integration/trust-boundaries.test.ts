// Trust boundaries for trace context, on the compiled binaries (or under Deno) with a real HTTPBin that echoes the
// headers it receives: what clients send stops at first, nothing reaches the third party.
import { describe, expect, test } from "bun:test";
import { chainFixture } from "../support/chain";
import type { OtlpReceiver, ReceivedSpan } from "../support/otlp-receiver";
import { emptyDir, type Service, spawnProc } from "../support/processes";

const SERVER = 2;
const CLIENT = 3;

const services = chainFixture();

/** first → second → HTTPBin, exporting to a fresh receiver; `env` applies to both services. */
async function chain(env: Record<string, string> = {}) {
  const otlp = services.receiver();
  const started = await services.chain(otlp, { OTEL_BSP_SCHEDULE_DELAY: "50", CHAIN_SLEEP_MAX_MS: "0", ...env });
  return { otlp, ...started };
}

const CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN = "00f067aa0ba902b7";
// 120 members, ~7.8 KB: what a client might send, with data that must not travel.
const BIG_BAGGAGE = Array.from({ length: 120 }, (_, i) => `user${i}=secret-email-${i}%40example.com`).join(",");

async function post(first: Service, headers: Record<string, string>) {
  const response = await fetch(`${first.url}/`, { method: "POST", headers });
  expect(response.status).toBe(200);
  return ((await response.json()) as { headers: Record<string, string> }).headers;
}

const serverOf = (spans: ReceivedSpan[], service: string) =>
  spans.filter((s) => s.kind === SERVER && s.resource["service.name"] === service);
/** Until first's and second's SERVER spans of one chain request have both arrived (they may come in either order). */
const bothServers = (otlp: OtlpReceiver) =>
  otlp.waitFor((r) => serverOf(r.spans, "first").length >= 1 && serverOf(r.spans, "second").length >= 1);

describe("default edges: first links, second trusts first, HTTPBin gets nothing", () => {
  test("a client's traceparent and baggage never reach HTTPBin; second joins first's trace with the exact parent", async () => {
    const { otlp, first } = await chain();
    const echoed = await post(first, {
      traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`,
      tracestate: "vendor=client-state",
      baggage: BIG_BAGGAGE,
    });
    for (const name of ["Traceparent", "Tracestate", "Baggage"]) expect(echoed[name]).toBeUndefined();

    await otlp.waitFor((r) => r.spans.filter((s) => s.kind === SERVER || s.kind === CLIENT).length === 4);
    const [firstServer] = serverOf(otlp.spans, "first");
    expect(firstServer?.traceId).not.toBe(CLIENT_TRACE);
    expect(firstServer?.parentSpanId).toBe("");
    expect(firstServer?.links).toEqual([
      { traceId: CLIENT_TRACE, spanId: CLIENT_SPAN, traceState: "vendor=client-state" },
    ]);
    const trace = otlp.spansOf(firstServer?.traceId ?? "");
    const firstClient = trace.find((s) => s.kind === CLIENT && s.resource["service.name"] === "first");
    const [secondServer] = serverOf(otlp.spans, "second");
    expect(secondServer?.traceId).toBe(firstServer?.traceId ?? "-");
    expect(secondServer?.parentSpanId).toBe(firstClient?.spanId ?? "-");
    // second's call to HTTPBin is still recorded as a CLIENT span of the same trace.
    expect(trace.filter((s) => s.kind === CLIENT && s.resource["service.name"] === "second")).toHaveLength(1);

    // The baggage is counted as dropped, and its values appear in no span.
    const metrics = await (await fetch(`${first.url}/metrics`)).text();
    expect(metrics).toMatch(/^http_server_baggage_dropped_total\{[^}]*\} 1$/m);
    expect(JSON.stringify(otlp.spans)).not.toContain("secret-email");
    expect(first.output()).not.toContain("secret-email");
  });

  test("under link, a client's sampled flag 00 does not hide its request", async () => {
    const { otlp, first } = await chain();
    await post(first, { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-00` });
    await bothServers(otlp);
    const [firstServer] = serverOf(otlp.spans, "first");
    expect(firstServer?.links.map((l) => [l.traceId, l.spanId])).toEqual([[CLIENT_TRACE, CLIENT_SPAN]]);
  });

  test.each([
    ["an oversized traceparent", { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01${"0".repeat(8000)}` }],
    ["a malformed traceparent", { traceparent: "00-zz-yy-01" }],
    [
      "an oversized tracestate",
      { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`, tracestate: `a=${"b".repeat(8000)}` },
    ],
    ["a malformed baggage", { baggage: ";;==,,=%%%zz" }],
    ["an oversized baggage", { baggage: `k=${"v".repeat(9000)}` }],
  ])("%s never breaks a request, at either policy", async (_what, headers) => {
    for (const policy of ["link", "trust"]) {
      const { first } = await quietChain(policy);
      const echoed = await post(first, headers);
      expect(echoed.Baggage).toBeUndefined();
    }
  });
});

const quiet = new Map<string, Promise<{ first: Service }>>();
/** One chain per policy with traces off, shared by the bad-input cases. */
function quietChain(policy: string) {
  let started = quiet.get(policy);
  if (!started) {
    started = chain({ TRACE_CONTEXT_FROM_CLIENTS: policy, OTEL_TRACES_EXPORTER: "none" });
    quiet.set(policy, started);
  }
  return started;
}

describe("other policies", () => {
  test("trust: first joins the client's trace as before, and a sampled flag 00 is obeyed", async () => {
    const { otlp, first } = await chain({ TRACE_CONTEXT_FROM_CLIENTS: "trust" });
    await post(first, { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`, baggage: "tenant=acme" });
    await bothServers(otlp);
    const [firstServer] = serverOf(otlp.spans, "first");
    expect([firstServer?.traceId, firstServer?.parentSpanId]).toEqual([CLIENT_TRACE, CLIENT_SPAN]);
    expect(firstServer?.links).toEqual([]);

    const unsampled = "0af7651916cd43dd8448eb211c80319c";
    await post(first, { traceparent: `00-${unsampled}-${CLIENT_SPAN}-00` });
    await post(first, {});
    await otlp.waitFor((r) => serverOf(r.spans, "first").length === 2);
    expect(otlp.spansOf(unsampled)).toEqual([]);
  });

  test("ignore: a new trace with no link", async () => {
    const { otlp, first } = await chain({ TRACE_CONTEXT_FROM_CLIENTS: "ignore" });
    await post(first, { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` });
    await bothServers(otlp);
    const [firstServer] = serverOf(otlp.spans, "first");
    expect([firstServer?.parentSpanId, firstServer?.links]).toEqual(["", []]);
    expect(firstServer?.traceId).not.toBe(CLIENT_TRACE);
  });

  test("OTEL_PROPAGATORS=none stops all propagation: second starts its own trace", async () => {
    const { otlp, first } = await chain({ OTEL_PROPAGATORS: "none" });
    await post(first, { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` });
    await bothServers(otlp);
    const [firstServer] = serverOf(otlp.spans, "first");
    const [secondServer] = serverOf(otlp.spans, "second");
    expect(firstServer?.links).toEqual([]);
    expect(secondServer?.parentSpanId).toBe("");
    expect(secondServer?.traceId).not.toBe(firstServer?.traceId ?? "");
  });

  test("PROPAGATE_TO names the hosts that get context: an empty allow-list keeps second out of first's trace", async () => {
    const { otlp, first } = await chain({ PROPAGATE_TO: "none" });
    await post(first, {});
    await bothServers(otlp);
    const [secondServer] = serverOf(otlp.spans, "second");
    expect(secondServer?.parentSpanId).toBe("");
    // first still records its CLIENT span for the call.
    expect(otlp.spans.filter((s) => s.kind === CLIENT && s.resource["service.name"] === "first")).toHaveLength(1);
  });

  test("invalid OTEL_PROPAGATORS and TRACE_CONTEXT_FROM_CLIENTS stop start-up with one line naming both", async () => {
    const proc = spawnProc(
      "first",
      services.bins.first[0] as string,
      services.bins.first.slice(1),
      { OTEL_PROPAGATORS: "tracecontext,b3", TRACE_CONTEXT_FROM_CLIENTS: "sometimes" },
      emptyDir(),
    );
    expect((await proc.exited).code).toBe(1);
    const lines = proc.stderr.filter((l) => l.trim() !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('OTEL_PROPAGATORS="tracecontext,b3"');
    expect(lines[0]).toContain('TRACE_CONTEXT_FROM_CLIENTS="sometimes"');
  });
});
