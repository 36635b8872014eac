// End-to-end: the compiled services against the real observability stack, natively (tools/stack/, no Docker),
// every backend asserted through its own query API.
//
//   tools/stack/install.sh        # once: builds/installs the backends into ~/.cache/twinbin/stack
//   bun test tests/e2e            # starts the stack (tools/stack/start.sh) and stops it (stop.sh) itself
//
// A stack that already runs and is healthy (tools/stack/start.sh by hand) is used as it is and left running.
//
// The services run on 5000/5001, the ports the Prometheus and Parca target files name, and a webhook sink on 9099,
// where observability/alertmanager.yml's receiver posts, so those ports and the stack's own (start.sh lists them)
// must be free.
//
// This file runs only when asked for: named on `bun test`'s command line (`bun test tests/e2e`), from
// `npm run test:e2e`, or with TWINBIN_E2E=1. A plain `bun test` / `npm test` skips it, since it needs the native
// stack and fixed ports. TWINBIN_E2E=0 skips it always.
//   TWINBIN_STACK_DIR, TWINBIN_STACK_RUN   as for the scripts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { decodeProfile } from "../../shared/profiling/decode";
import { binaries } from "../support/binaries";
import { type JaegerTrace, traceReader } from "../support/jaeger";
import { type Service, startBinary } from "../support/processes";
import { e2eEnabled } from "./enabled";

const ROOT = resolve(import.meta.dir, "../..");
const STACK_LOGS = join(process.env.TWINBIN_STACK_RUN ?? "/tmp/twinbin-stack", "logs");

const JAEGER = "http://127.0.0.1:16686";
const PROMETHEUS = "http://127.0.0.1:9090";
const ALERTMANAGER = "http://127.0.0.1:9093";
const PARCA = "http://127.0.0.1:7070";
const COLLECTOR_METRICS = "http://127.0.0.1:8888/metrics";
const HTTPBIN = "http://127.0.0.1:8080";
const VICTORIALOGS = "http://127.0.0.1:9428";
/** Where observability/alertmanager.yml's webhook receiver posts. */
const WEBHOOK_PORT = 9099;
const CHAIN_REQUESTS = 5;
const FIB_REQUESTS = 3;
/** What start.sh waits for: all answering means a stack started elsewhere runs. */
const STACK_HEALTH = [
  `${HTTPBIN}/get`,
  "http://127.0.0.1:14133/status",
  "http://127.0.0.1:13133/",
  `${PROMETHEUS}/-/ready`,
  `${ALERTMANAGER}/-/ready`,
  `${PARCA}/api/targets`,
  `${VICTORIALOGS}/health`,
];

const SERVICE_ENV = {
  OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318",
  OTEL_BSP_SCHEDULE_DELAY: "500",
  HTTPBIN_URL: HTTPBIN,
  SECOND_URL: "http://127.0.0.1:5001",
  CHAIN_SLEEP_MAX_MS: "50",
  // Access-log lines (info) go to VictoriaLogs through the Collector.
  LOG_LEVEL: "info",
  OTEL_LOGS_EXPORTER: "otlp",
};

/**
 * This run's service.instance.id per service: anything else on the machine that exports to 127.0.0.1:4318 while
 * the stack runs (another checkout's tests, a service started by hand) lands in the same backends.
 */
const RUN_ID = randomBytes(4).toString("hex");
const instance = (service: string) => ({ OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=e2e-${service}-${RUN_ID}` });

let first: Service | undefined;
let second: Service | undefined;
let stackStarted = false;
let chainSentAt = 0;
/** What Alertmanager's webhook receiver delivered (JSON bodies). */
const notifications: WebhookPayload[] = [];
let webhookSink: ReturnType<typeof Bun.serve> | undefined;

interface WebhookPayload {
  status: string;
  alerts: {
    status: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    generatorURL: string;
  }[];
}

// ------------------------------------------------------------------------------------------------- helpers

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a tools/stack script; throws with its output when it fails. */
async function stackScript(name: "start.sh" | "stop.sh") {
  const proc = Bun.spawn(["bash", join(ROOT, "tools/stack", name)], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
    env: process.env,
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`tools/stack/${name} exited with ${code}\n${out}${err}`);
  return out + err;
}

/**
 * Calls `attempt` until it returns without throwing, at most `timeoutMs`; what it throws says what is still
 * missing, and the last such message ends up in the failure.
 */
async function poll<T>(what: string, timeoutMs: number, attempt: () => Promise<T>, intervalMs = 500): Promise<T> {
  const started = Date.now();
  let last = "";
  while (true) {
    try {
      return await attempt();
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() - started >= timeoutMs) {
      throw new Error(
        `${what}: still not the case after ${Math.round((Date.now() - started) / 1000)} s (backend logs: ${STACK_LOGS}).\nLast: ${last}`,
      );
    }
    await sleep(intervalMs);
  }
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url} → ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

interface PromVector {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

/** An instant PromQL query, as {label value of `by` → number}. */
async function promQuery(query: string, by = "job"): Promise<Record<string, number>> {
  const body = await getJson<PromVector>(`${PROMETHEUS}/api/v1/query?query=${encodeURIComponent(query)}`);
  return Object.fromEntries(body.data.result.map((r) => [r.metric[by] ?? "", Number(r.value[1])]));
}

/** Sum of every sample of `name` (with or without a `_total` suffix) in a Prometheus text exposition. */
function sumMetric(exposition: string, name: string, labelFilter = ""): number | undefined {
  let total: number | undefined;
  for (const line of exposition.split("\n")) {
    const match = line.match(/^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/);
    if (!match || (match[1] !== name && match[1] !== `${name}_total`)) continue;
    if (labelFilter && !(match[2] ?? "").includes(labelFilter)) continue;
    total = (total ?? 0) + Number(match[3]);
  }
  return total;
}

// ------------------------------------------------------------------------------------------ set-up, clean-up

async function cleanUp() {
  const services = [first, second].filter((s): s is Service => s !== undefined);
  await Promise.all(services.map((s) => s.stop("SIGTERM", 5000)));
  for (const s of services) rmSync(s.cwd, { recursive: true, force: true });
  first = second = undefined;
  await webhookSink?.stop(true);
  webhookSink = undefined;
  if (stackStarted) {
    stackStarted = false;
    await stackScript("stop.sh").catch((error) => console.error(`stopping the stack: ${error}`));
  }
}

describe.skipIf(!e2eEnabled(import.meta.path))("e2e: first → second → HTTPBin against the native stack", () => {
  beforeAll(
    async () => {
      try {
        // Compile first (CPU-heavy), then the stack, then the services: Prometheus' `up` for first/second is
        // only 0 for the moment between the last two, far below TwinbinServiceDown's `for:`.
        const bins = await binaries();
        const healthy = await Promise.all(
          STACK_HEALTH.map((url) =>
            fetch(url, { signal: AbortSignal.timeout(2000) }).then(
              (r) => r.ok,
              () => false,
            ),
          ),
        );
        if (healthy.every(Boolean)) {
          console.log("tests/e2e: using the stack that already runs (left running afterwards)");
        } else {
          // start.sh stops what it started when it fails, and refuses (touching nothing) when ports are taken.
          console.log(await stackScript("start.sh"));
          stackStarted = true;
        }
        webhookSink = Bun.serve({
          hostname: "127.0.0.1",
          port: WEBHOOK_PORT,
          fetch: async (request) => {
            notifications.push((await request.json()) as WebhookPayload);
            return new Response("ok");
          },
        });
        second = await startBinary(bins.second, { ...SERVICE_ENV, ...instance("second"), PORT: "5001" });
        first = await startBinary(bins.first, { ...SERVICE_ENV, ...instance("first"), PORT: "5000" });

        chainSentAt = Date.now();
        for (let i = 0; i < CHAIN_REQUESTS; i++) {
          const response = await fetch(`${first.url}/`, { method: "POST" });
          const body = await response.text();
          if (response.status !== 200) throw new Error(`POST / → ${response.status}: ${body}`);
        }
        for (let i = 0; i < FIB_REQUESTS; i++) {
          const response = await fetch(`${first.url}/fib/${10 + i}`);
          if (response.status !== 200) throw new Error(`GET /fib → ${response.status}: ${await response.text()}`);
        }
      } catch (error) {
        await cleanUp();
        throw error;
      }
    },
    { timeout: 300_000 },
  );

  afterAll(cleanUp, { timeout: 60_000 });

  test(
    "Jaeger: one trace holds first SERVER → first CLIENT → second SERVER → second CLIENT → HTTPBin",
    async () => {
      const url = `${JAEGER}/api/traces?service=first&operation=${encodeURIComponent("POST /")}&limit=50&start=${(chainSentAt - 5000) * 1000}`;

      const chain = await poll(`a complete chain trace in Jaeger (${url})`, 30_000, async () => {
        const { data } = await getJson<{ data: JaegerTrace[] | null }>(url);
        const traces = data ?? [];
        if (traces.length === 0) throw new Error("no trace of service first yet");
        const shapes: string[] = [];
        for (const trace of traces) {
          const { service, kind, tag, parentOf, child, outline } = traceReader(trace);

          const firstServer = trace.spans.find(
            (s) => service(s) === "first" && kind(s) === "server" && parentOf(s) === undefined,
          );
          const firstClient = child(firstServer, "first", "client");
          const secondServer = child(firstClient, "second", "server");
          const secondClient = child(secondServer, "second", "client");
          if (firstServer && firstClient && secondServer && secondClient) {
            return { trace, firstServer, firstClient, secondServer, secondClient, tag };
          }
          shapes.push(outline());
        }
        throw new Error(`${traces.length} trace(s), none with the whole chain yet:\n  ${shapes.join("\n  ")}`);
      });

      expect(chain.firstServer.operationName).toBe("POST /");
      expect(chain.secondServer.operationName).toBe("POST /");
      // second's CLIENT span is the call to HTTPBin.
      expect(String(chain.tag(chain.secondClient, "url.full"))).toBe(`${HTTPBIN}/delay/0`);
      expect(Number(chain.tag(chain.secondClient, "http.response.status_code"))).toBe(200);
      expect(String(chain.tag(chain.firstClient, "url.full"))).toBe("http://127.0.0.1:5001/");
      // All spans of the chain share one trace id.
      const ids = [chain.firstServer, chain.firstClient, chain.secondServer, chain.secondClient].map((s) => s.traceID);
      expect(new Set(ids)).toEqual(new Set([chain.trace.traceID]));
    },
    { timeout: 60_000 },
  );

  test(
    "Collector: spans exported to Jaeger, none failed or refused",
    async () => {
      const metrics = await poll("Collector's own metrics show sent spans", 20_000, async () => {
        const response = await fetch(COLLECTOR_METRICS, { signal: AbortSignal.timeout(5000) });
        const text = await response.text();
        const sent = sumMetric(text, "otelcol_exporter_sent_spans", 'exporter="otlp_grpc/jaeger"') ?? 0;
        if (sent === 0) throw new Error(`otelcol_exporter_sent_spans for otlp_grpc/jaeger is 0 or absent`);
        return text;
      });
      expect(sumMetric(metrics, "otelcol_exporter_sent_spans")).toBeGreaterThanOrEqual(CHAIN_REQUESTS * 4);
      expect(sumMetric(metrics, "otelcol_exporter_send_failed_spans") ?? 0).toBe(0);
      expect(sumMetric(metrics, "otelcol_receiver_refused_spans") ?? 0).toBe(0);
      expect(sumMetric(metrics, "otelcol_receiver_accepted_spans")).toBeGreaterThanOrEqual(CHAIN_REQUESTS * 4);
    },
    { timeout: 30_000 },
  );

  test(
    "Prometheus: every target up, RED series of first and second with the chain's requests and no 5xx",
    async () => {
      // scrape_interval is 15 s: the first scrape after the requests can take that long.
      const route = `http_route="/", http_request_method="POST", job=~"first|second"`;
      const counts = await poll("POST / request counts of first and second in Prometheus", 45_000, async () => {
        const result = await promQuery(`sum by (job) (http_server_request_duration_seconds_count{${route}})`);
        if (!(result.first && result.first >= CHAIN_REQUESTS && result.second && result.second >= CHAIN_REQUESTS)) {
          throw new Error(`request counts by job: ${JSON.stringify(result)}`);
        }
        return result;
      });
      expect(counts).toEqual({ first: expect.any(Number), second: expect.any(Number) });

      // Rate: all requests counted; Duration: the histogram has buckets and a positive sum; Errors: none.
      const all = await promQuery(`sum by (job) (http_server_request_duration_seconds_count{job=~"first|second"})`);
      expect(all.first).toBeGreaterThan(0);
      expect(all.second).toBeGreaterThan(0);
      const sums = await promQuery(`sum by (job) (http_server_request_duration_seconds_sum{${route}})`);
      expect(sums.first).toBeGreaterThan(0);
      expect(sums.second).toBeGreaterThan(0);
      const buckets = await promQuery(`count by (job) (http_server_request_duration_seconds_bucket{${route}})`);
      expect(buckets.first).toBeGreaterThan(1);
      expect(buckets.second).toBeGreaterThan(1);
      expect(
        await promQuery(
          `sum by (job) (http_server_request_duration_seconds_count{job=~"first|second", http_response_status_code=~"5.."})`,
        ),
      ).toEqual({});
      // The outgoing side: first → second, second → HTTPBin.
      const client = await promQuery(`sum by (job) (http_client_request_duration_seconds_count{job=~"first|second"})`);
      expect(client.first).toBeGreaterThanOrEqual(CHAIN_REQUESTS);
      expect(client.second).toBeGreaterThanOrEqual(CHAIN_REQUESTS);

      // The target files point at the native ports: every scrape works (the Collector's, Jaeger's, its own).
      interface Targets {
        data: { activeTargets: { labels: { job: string }; health: string; lastError: string; scrapeUrl: string }[] };
      }
      await poll("every Prometheus target up", 30_000, async () => {
        const { data } = await getJson<Targets>(`${PROMETHEUS}/api/v1/targets?state=active`);
        const jobs = data.activeTargets.map((t) => t.labels.job).sort();
        const down = data.activeTargets.filter((t) => t.health !== "up");
        if (down.length > 0 || jobs.length < 6) {
          throw new Error(
            `jobs ${jobs.join(",")}; not up: ${down.map((t) => `${t.scrapeUrl} ${t.health} ${t.lastError}`).join("; ")}`,
          );
        }
        expect(jobs).toEqual(["first", "jaeger", "otelcol", "otelcol-exported", "prometheus", "second"]);
      });
    },
    { timeout: 90_000 },
  );

  test(
    "Prometheus exemplars: trace ids Jaeger has, each a SERVER span of the series' route",
    async () => {
      interface ExemplarSeries {
        seriesLabels: Record<string, string>;
        exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
      }
      const query = encodeURIComponent('http_server_request_duration_seconds_bucket{job="first"}');
      const window = `start=${Math.floor(chainSentAt / 1000) - 60}&end=${Math.ceil(Date.now() / 1000) + 600}`;
      const series = await poll("exemplars of first's server histogram in Prometheus", 45_000, async () => {
        const { data } = await getJson<{ data: ExemplarSeries[] }>(
          `${PROMETHEUS}/api/v1/query_exemplars?query=${query}&${window}`,
        );
        const routes = new Set(data.filter((s) => s.exemplars.length > 0).map((s) => s.seriesLabels.http_route));
        if (!routes.has("/") || !routes.has("/fib/:n")) throw new Error(`exemplars for routes ${[...routes]}`);
        return data;
      });
      let checked = 0;
      for (const { seriesLabels, exemplars } of series) {
        for (const { labels } of exemplars) {
          expect(Object.keys(labels).sort()).toEqual(["span_id", "trace_id"]);
          const trace = await poll(`trace ${labels.trace_id} in Jaeger`, 20_000, async () => {
            const { data } = await getJson<{ data: JaegerTrace[] }>(`${JAEGER}/api/traces/${labels.trace_id}`);
            if (!data[0]) throw new Error("not found");
            return data[0];
          });
          const span = trace.spans.find((s) => s.spanID === labels.span_id);
          if (!span) throw new Error(`trace ${labels.trace_id} has no span ${labels.span_id}`);
          // first is where every request enters: its SERVER span is the trace's root.
          expect(span.references ?? []).toEqual([]);
          expect(span.tags.find((t) => t.key === "http.route")?.value).toBe(seriesLabels.http_route);
          checked++;
        }
      }
      console.log(`exemplars: ${checked} trace ids from Prometheus found in Jaeger, routes matching`);
      expect(checked).toBeGreaterThanOrEqual(2);
    },
    { timeout: 90_000 },
  );

  test(
    "span metrics: the Collector's call counts per route equal the requests sent; Jaeger's Monitor reads them",
    async () => {
      // This run's instances only (their service.instance.id becomes exported_instance).
      const query = `sum by (service_name, span_name) (otlp_traces_span_metrics_calls_total{span_kind="SPAN_KIND_SERVER", exported_instance=~"e2e-.*-${RUN_ID}"})`;
      const counts = await poll("span metrics in Prometheus for every request sent", 60_000, async () => {
        const { data } = await getJson<PromVector>(`${PROMETHEUS}/api/v1/query?query=${encodeURIComponent(query)}`);
        const byRoute = Object.fromEntries(
          data.result.map((r) => [`${r.metric.service_name} ${r.metric.span_name}`, Number(r.value[1])]),
        );
        const sent = {
          "first POST /": CHAIN_REQUESTS,
          "first GET /fib/:n": FIB_REQUESTS,
          "second POST /": CHAIN_REQUESTS,
        };
        for (const [key, n] of Object.entries(sent)) {
          if ((byRoute[key] ?? 0) < n) throw new Error(`calls ${JSON.stringify(byRoute)}`);
        }
        return byRoute;
      });
      // (Span names other than these, e.g. a bare "GET" for a 404 of a probe, may show up with their own counts.)
      expect(counts).toMatchObject({
        "first POST /": CHAIN_REQUESTS,
        "first GET /fib/:n": FIB_REQUESTS,
        "second POST /": CHAIN_REQUESTS,
      });

      interface MetricsAnswer {
        metrics: {
          labels: { name: string; value: string }[];
          metricPoints: { gaugeValue?: { doubleValue?: number } }[];
        }[];
      }
      const monitor = `${JAEGER}/api/metrics/calls?service=first&spanKind=server&groupByOperation=true&endTs=${Date.now() + 60_000}&lookback=900000&step=15000&ratePer=60000`;
      const operations = await poll("Jaeger's Monitor API (calls per operation of first)", 60_000, async () => {
        const answer = await getJson<MetricsAnswer>(monitor);
        // A rate needs two scrapes after a change: the series' presence is what shows Jaeger reads Prometheus.
        const names = answer.metrics
          .filter((m) => m.metricPoints.length > 0)
          .map((m) => m.labels.find((l) => l.name === "operation")?.value);
        if (!names.includes("POST /")) throw new Error(`operations with call-rate points: ${JSON.stringify(names)}`);
        return names;
      });
      expect(operations).toContain("POST /");
    },
    { timeout: 150_000 },
  );

  test(
    "service graph: Jaeger's dependencies API has the edge first → second with one call per chain request",
    async () => {
      interface Dependency {
        parent: string;
        child: string;
        callCount: number;
      }
      const url = `${JAEGER}/api/dependencies?endTs=${Date.now() + 60_000}&lookback=3600000`;
      const edge = await poll("first → second in Jaeger's dependencies", 30_000, async () => {
        const { data } = await getJson<{ data: Dependency[] }>(url);
        const found = data.find((d) => d.parent === "first" && d.child === "second");
        if (!found || found.callCount < CHAIN_REQUESTS) throw new Error(`dependencies ${JSON.stringify(data)}`);
        return found;
      });
      // Exactly this run's chain requests: the stack starts empty and only this tier's services export to it.
      // Jaeger's API cannot filter by instance, so any other process exporting to the stack's Collector during the
      // run shows up here as extra calls.
      console.log(`service graph: first → second callCount ${edge.callCount} (this run sent ${CHAIN_REQUESTS})`);
      expect(edge.callCount).toBe(CHAIN_REQUESTS);
    },
    { timeout: 45_000 },
  );

  test(
    "logs: one chain request's lines from both services are in VictoriaLogs by its trace id, no secret in them",
    async () => {
      // first starts its own trace for a client's request and links the client's span (TRACE_CONTEXT_FROM_CLIENTS
      // =link): the request's trace id is found in Jaeger through that link.
      const clientTraceId = randomBytes(16).toString("hex");
      const secret = `s3cret-${randomBytes(6).toString("hex")}`;
      const sentAt = Date.now();
      const response = await fetch(`${(first as Service).url}/?api_key=${secret}`, {
        method: "POST",
        headers: {
          traceparent: `00-${clientTraceId}-${randomBytes(8).toString("hex")}-01`,
          authorization: `Bearer ${secret}`,
        },
      });
      expect(response.status).toBe(200);
      const search = `${JAEGER}/api/traces?service=first&operation=${encodeURIComponent("POST /")}&limit=50&start=${(sentAt - 5000) * 1000}`;
      const traceId = await poll("the request's trace in Jaeger, linked to the client's span", 30_000, async () => {
        const { data } = await getJson<{ data: JaegerTrace[] }>(search);
        const linked = data.find((t) =>
          t.spans.some((s) =>
            (s.references as { traceID?: string }[] | undefined)?.some((r) => r.traceID === clientTraceId),
          ),
        );
        if (!linked) throw new Error(`${data.length} traces of first POST /, none linked to ${clientTraceId}`);
        return linked.traceID;
      });

      const query = `${VICTORIALOGS}/select/logsql/query?query=${encodeURIComponent(`trace_id:${traceId}`)}`;
      const lines = await poll(`log lines of trace ${traceId} in VictoriaLogs (${query})`, 30_000, async () => {
        const response = await fetch(query, { signal: AbortSignal.timeout(10_000) });
        const text = await response.text();
        if (!response.ok) throw new Error(`${response.status}: ${text.slice(0, 300)}`);
        const found = text
          .split("\n")
          .filter((l) => l !== "")
          .map((l) => JSON.parse(l) as Record<string, string>);
        const services = new Set(found.map((l) => l["service.name"]));
        if (!services.has("first") || !services.has("second")) throw new Error(`lines: ${text.slice(0, 500)}`);
        return found;
      });
      for (const line of lines) {
        expect(line.trace_id).toBe(traceId);
        expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
        expect(JSON.stringify(line)).not.toContain(secret);
      }
      // Each service's lines belong to its own spans.
      const spansOf = (service: string) =>
        new Set(lines.filter((l) => l["service.name"] === service).map((l) => l.span_id));
      expect([...spansOf("first")].some((id) => spansOf("second").has(id))).toBe(false);
      console.log(`logs: ${lines.length} lines of one chain request found in VictoriaLogs by trace_id`);
    },
    { timeout: 45_000 },
  );

  test(
    "Parca: first's process_cpu profile under /fib/25 load has _one → _two → _fibo",
    async () => {
      const service = first as Service;
      const loadStart = Date.now();
      let loading = true;
      let requests = 0;
      const load = Promise.all(
        Array.from({ length: 2 }, async () => {
          while (loading) {
            const response = await fetch(`${service.url}/fib/25`);
            await response.arrayBuffer();
            if (response.status !== 200) throw new Error(`/fib/25 → ${response.status}`);
            requests++;
          }
        }),
      );

      const query = new URLSearchParams({
        mode: "MODE_MERGE",
        "merge.query": 'process_cpu:samples:count:cpu:nanoseconds:delta{job="first"}',
        "merge.start": new Date(loadStart).toISOString(),
        report_type: "REPORT_TYPE_PPROF",
      });
      let stacks: string[][];
      let format = "";
      try {
        // Parca pulls a 10 s delta profile every 10 s: the first one that covers load arrives within ~20 s.
        // Load keeps running until then, at least 25 s (cap 75 s).
        stacks = await poll(
          `a Parca process_cpu profile of job="first" with _fibo (${PARCA}/api/profiles/query)`,
          75_000,
          async () => {
            query.set("merge.end", new Date(Date.now() + 60_000).toISOString());
            const { pprof } = await getJson<{ pprof?: string }>(`${PARCA}/api/profiles/query?${query}`);
            if (!pprof) throw new Error("no pprof in the answer");
            const bytes = Buffer.from(pprof, "base64");
            // Gzipped pprof is what Parca sends; take the raw protobuf too, just in case.
            const isGzip = bytes[0] === 0x1f && bytes[1] === 0x8b;
            format = isGzip ? "gzipped pprof" : "uncompressed pprof";
            const decoded = decodeProfile(new Uint8Array(isGzip ? bytes : gzipSync(bytes)));
            const found = decoded.stacks.filter((s) => s.includes("_fibo"));
            if (found.length === 0) {
              throw new Error(`${decoded.stacks.length} stacks, none with _fibo yet (${requests} /fib/25 served)`);
            }
            if (Date.now() - loadStart < 25_000) throw new Error("still loading (25 s minimum)");
            return decoded.stacks;
          },
          2000,
        );
      } finally {
        loading = false;
        await load;
      }

      const chained = stacks.filter((stack) => {
        const i = stack.indexOf("_one");
        return i >= 0 && stack[i + 1] === "_two" && stack[i + 2] === "_fibo";
      });
      console.log(
        `Parca: ${stacks.length} stacks (${format}), ${chained.length} with _one → _two → _fibo, after ${Math.round((Date.now() - loadStart) / 1000)} s of load`,
      );
      expect(chained.length).toBeGreaterThan(0);
    },
    { timeout: 120_000 },
  );

  test(
    "second stopped → TwinbinServiceDown{job=second} firing in Alertmanager",
    async () => {
      interface AmAlert {
        labels: Record<string, string>;
        annotations: Record<string, string>;
        startsAt: string;
        status: { state: string };
      }
      const stoppedAt = Date.now();
      const exit = await (second as Service).stop("SIGTERM");
      expect(exit.code).toBe(0);

      // scrape_interval 15 s + evaluation_interval 15 s + `for: 30s`: fires 30–60 s after the stop.
      const filter = encodeURIComponent('alertname="TwinbinServiceDown"');
      const alert = await poll("TwinbinServiceDown for job second active in Alertmanager", 120_000, async () => {
        const alerts = await getJson<AmAlert[]>(`${ALERTMANAGER}/api/v2/alerts?filter=${filter}`);
        const fresh = alerts.find((a) => a.labels.job === "second" && Date.parse(a.startsAt) >= stoppedAt);
        if (fresh?.status.state === "active") return fresh;
        const rules = await getJson<{ data: { alerts: { labels: Record<string, string>; state: string }[] } }>(
          `${PROMETHEUS}/api/v1/alerts`,
        );
        const up = await promQuery('up{job="second"}');
        throw new Error(
          `Alertmanager: ${JSON.stringify(alerts.map((a) => [a.labels.job, a.status.state, a.startsAt]))}; ` +
            `Prometheus alerts: ${JSON.stringify(rules.data.alerts.map((a) => [a.labels.alertname, a.labels.job, a.state]))}; ` +
            `up{job="second"}: ${JSON.stringify(up)}`,
        );
      });
      console.log(
        `TwinbinServiceDown{job="second"} active in Alertmanager ${Math.round((Date.now() - stoppedAt) / 1000)} s after the stop`,
      );
      expect(alert.labels.severity).toBe("critical");
      expect(alert.labels.instance).toBe("127.0.0.1:5001");
      expect(alert.annotations.summary).toBe("second is down");
      // first still serves: no fresh alert for it.
      const alerts = await getJson<AmAlert[]>(`${ALERTMANAGER}/api/v2/alerts?filter=${filter}`);
      expect(alerts.filter((a) => a.labels.job === "first" && Date.parse(a.startsAt) >= stoppedAt)).toEqual([]);

      // The receiver's webhook: the notification with its summary, runbook and a link back to Prometheus.
      const notified = await poll("the TwinbinServiceDown notification at the webhook sink", 30_000, async () => {
        const found = notifications
          .flatMap((n) => n.alerts)
          .find(
            (a) => a.labels.alertname === "TwinbinServiceDown" && a.labels.job === "second" && a.status === "firing",
          );
        if (!found) throw new Error(`${notifications.length} notifications so far`);
        return found;
      });
      expect(notified.annotations.summary).toBe("second is down");
      expect(notified.annotations.runbook).toContain("curl http://127.0.0.1:5001/health");
      expect(notified.generatorURL).toStartWith(`${PROMETHEUS}/graph?`);
    },
    { timeout: 180_000 },
  );
});
