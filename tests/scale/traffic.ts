// Client side of the scale tier: chain requests with a known trace id each, an HTTPBin stand-in whose answer
// (ok, error, slow) is chosen per trace id, reading traces back from Jaeger, and the Collectors' own counters.
import { randomBytes } from "node:crypto";
import { type JaegerSpan, type JaegerTrace, traceReader } from "../support/jaeger";

export type Fate = "ok" | "error" | "slow";

export interface Sent {
  traceId: string;
  parentSpanId: string;
  fate: Fate;
  status: number;
  startedAt: number;
  ms: number;
  /** The start of the body of a response other than 200/502 (who answered, and why). */
  body?: string;
}

/**
 * Stands in for HTTPBin's POST /delay/0: answers each call by the fate registered for its trace id (read from the
 * traceparent second propagates): 200, a 500, or a 200 after `slowMs`.
 */
export function startUpstream(slowMs: number) {
  const fates = new Map<string, Fate>();
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 30,
    async fetch(request) {
      await request.arrayBuffer();
      const traceId = request.headers.get("traceparent")?.split("-")[1] ?? "";
      const fate = fates.get(traceId) ?? "ok";
      if (fate === "error") return Response.json({ error: "injected" }, { status: 500 });
      if (fate === "slow") await Bun.sleep(slowMs);
      return Response.json({ url: request.url, json: null });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, fates, stop: () => server.stop(true) };
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/** One POST / with its own sampled trace context; never throws (a network failure is status 0). */
export async function chainRequest(url: string, fate: Fate, fates: Map<string, Fate>): Promise<Sent> {
  const traceId = hex(16);
  const parentSpanId = hex(8);
  fates.set(traceId, fate);
  const startedAt = Date.now();
  const t0 = performance.now();
  let status = 0;
  let body: string | undefined;
  try {
    const response = await fetch(`${url}/`, {
      method: "POST",
      headers: { traceparent: `00-${traceId}-${parentSpanId}-01` },
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    status = response.status;
    if (status !== 200 && status !== 502) body = text.slice(0, 160);
  } catch (error) {
    body = String(error);
  }
  return { traceId, parentSpanId, fate, status, startedAt, ms: performance.now() - t0, body };
}

/** Sends `total` requests with `concurrency` in flight; `fateOf(i)` picks each request's fate. */
export async function sendChain(
  url: string,
  total: number,
  concurrency: number,
  fateOf: (i: number) => Fate,
  fates: Map<string, Fate>,
) {
  const sent: Sent[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        sent.push(await chainRequest(url, fateOf(i), fates));
      }
    }),
  );
  return sent;
}

/** Keeps `concurrency` requests in flight until `stop()` resolves its promise; returns everything sent. */
export function steadyLoad(url: string, concurrency: number, fates: Map<string, Fate>) {
  let running = true;
  const sent: Sent[] = [];
  const done = Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (running) sent.push(await chainRequest(url, "ok", fates));
    }),
  );
  return {
    sent,
    async stop() {
      running = false;
      await done;
      return sent;
    },
  };
}

/** The trace from Jaeger's API, or undefined when Jaeger has none with that id. */
export async function jaegerTrace(queryUrl: string, traceId: string): Promise<JaegerTrace | undefined> {
  const response = await fetch(`${queryUrl}/api/traces/${traceId}`, { signal: AbortSignal.timeout(10_000) });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`Jaeger answered ${response.status} for trace ${traceId}`);
  const { data } = (await response.json()) as { data: JaegerTrace[] | null };
  return data?.[0];
}

/** Looks every trace id up in Jaeger, `concurrency` at a time. */
export async function lookUp(queryUrl: string, traceIds: string[], concurrency = 16) {
  const found = new Map<string, JaegerTrace>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < traceIds.length) {
        const id = traceIds[next++] as string;
        const trace = await jaegerTrace(queryUrl, id);
        if (trace) found.set(id, trace);
      }
    }),
  );
  return found;
}

export interface Shape {
  complete: boolean;
  /** service.instance.id of the first and second replicas that served the trace. */
  firstInstance?: string;
  secondInstance?: string;
  problem?: string;
}

/**
 * A whole chain: first SERVER (child of the client's span) → first CLIENT → second SERVER → second CLIENT, with
 * exact parents, and no span whose parent is missing.
 */
export function shapeOf(trace: JaegerTrace, clientSpanId: string): Shape {
  const { service, processTag, kind, parentOf, child, outline } = traceReader(trace);
  const instance = (s: JaegerSpan) => String(processTag(s, "service.instance.id") ?? "");
  const firstServer = trace.spans.find((s) => service(s) === "first" && kind(s) === "server");
  const firstClient = child(firstServer, "first", "client");
  const secondServer = child(firstClient, "second", "server");
  const secondClient = child(secondServer, "second", "client");
  const ids = new Set(trace.spans.map((s) => s.spanID));
  const orphans = trace.spans.filter((s) => {
    const parent = parentOf(s);
    return parent !== undefined && parent !== clientSpanId && !ids.has(parent);
  });
  const chain = firstServer && firstClient && secondServer && secondClient;
  const rootOk = firstServer !== undefined && parentOf(firstServer) === clientSpanId;
  const complete = Boolean(chain) && rootOk && orphans.length === 0;
  return {
    complete,
    firstInstance: firstServer && instance(firstServer),
    secondInstance: secondServer && instance(secondServer),
    problem: complete ? undefined : outline(),
  };
}

/** Sum of a Prometheus-text metric's samples whose labels contain every `labels` fragment. */
export function sumMetric(text: string, name: string, ...labels: string[]): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!labels.every((l) => line.includes(l))) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

export const metricsText = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
