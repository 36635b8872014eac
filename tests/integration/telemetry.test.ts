// Telemetry as exported by the compiled binaries (or the services under Deno: TWINBIN_RUNTIME=deno), received by
// an OTLP receiver inside the test.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chainFixture } from "../support/chain";
import { parseOpenMetrics } from "../support/openmetrics";
import type { OtlpReceiver, ReceivedSpan } from "../support/otlp-receiver";
import { freePort } from "../support/ports";
import { RUNTIME } from "../support/services";

const SERVER = 2;
const CLIENT = 3;
const INTERNAL = 1;
const ERROR = 2;

const services = chainFixture();
const { receiver, start } = services;
const chain = (otlp: OtlpReceiver, env: Record<string, string> = {}) =>
  services.chain(otlp, { CHAIN_SLEEP_MAX_MS: "20", ...env });

const serviceOf = (span: ReceivedSpan) => span.resource["service.name"];
const one = <T>(items: T[], what: string): T => {
  expect(items.length, what).toBe(1);
  return items[0] as T;
};

describe.each(["http/protobuf", "http/json"])(
  `one trace across first → second → HTTPBin (${RUNTIME}, %s)`,
  (protocol) => {
    test("exact parent links, names, kinds, attribute types and resource", async () => {
      const otlp = receiver();
      const { first } = await chain(otlp, { OTEL_EXPORTER_OTLP_PROTOCOL: protocol });
      const response = await fetch(`${first.url}/`, {
        method: "POST",
        headers: { "user-agent": "twinbin-test/1", baggage: "tenant=acme" },
      });
      expect(response.status).toBe(200);
      const echoed = (await response.json()) as { headers: Record<string, string> };

      await otlp.waitFor((r) => r.spans.filter((s) => s.kind === CLIENT).length >= 2);
      const firstServer = one(
        otlp.spans.filter((s) => serviceOf(s) === "first" && s.kind === SERVER),
        "first SERVER spans",
      );
      const trace = otlp.spansOf(firstServer.traceId);
      const childrenOf = (span: ReceivedSpan) => trace.filter((s) => s.parentSpanId === span.spanId);

      expect(firstServer.parentSpanId).toBe("");
      expect(firstServer.name).toBe("POST /");
      const sleep = one(
        childrenOf(firstServer).filter((s) => s.kind === INTERNAL),
        "sleep span",
      );
      expect(sleep.name).toBe("chain.sleep");
      const firstClient = one(
        childrenOf(firstServer).filter((s) => s.kind === CLIENT),
        "first CLIENT span",
      );
      expect(firstClient.name).toBe("POST");
      const secondServer = one(childrenOf(firstClient), "second SERVER span");
      expect([serviceOf(secondServer), secondServer.kind, secondServer.name]).toEqual(["second", SERVER, "POST /"]);
      const secondClient = one(childrenOf(secondServer), "second CLIENT span");
      expect([serviceOf(secondClient), secondClient.kind, secondClient.name]).toEqual(["second", CLIENT, "POST"]);

      // HTTPBin (a third party) echoes what second sent: no trace context, no baggage.
      expect(echoed.headers.Traceparent).toBeUndefined();
      expect(echoed.headers.Baggage).toBeUndefined();

      expect(firstServer.attributes).toMatchObject({
        "http.request.method": "POST",
        "http.route": "/",
        "url.path": "/",
        "url.scheme": "http",
        "http.response.status_code": 200,
        "server.address": "127.0.0.1",
        "server.port": first.port,
        "client.address": "127.0.0.1",
        "user_agent.original": "twinbin-test/1",
      });
      expect(firstServer.attributeTypes).toMatchObject({
        "http.response.status_code": "int",
        "server.port": "int",
        "http.request.method": "string",
      });
      const httpbinUrl = new URL(services.httpbin.url);
      expect(secondClient.attributes).toMatchObject({
        "http.request.method": "POST",
        "url.full": `${services.httpbin.url}/delay/0`,
        "server.address": httpbinUrl.hostname,
        "server.port": Number(httpbinUrl.port),
        "http.response.status_code": 200,
      });
      expect(secondClient.attributeTypes["http.response.status_code"]).toBe("int");
      for (const span of trace) {
        expect(span.resource).toMatchObject({
          "service.version": "0.1.0",
          "process.runtime.name": RUNTIME === "deno" ? "deno" : "bun",
          "telemetry.sdk.language": "nodejs",
        });
        expect(typeof span.resource["host.name"]).toBe("string");
        expect(typeof span.resource["process.pid"]).toBe("number");
      }
      const contentTypes = new Set(otlp.requests.map((r) => r.contentType));
      expect([...contentTypes]).toEqual([protocol === "http/json" ? "application/json" : "application/x-protobuf"]);
    });
  },
);

describe("spans for every outcome", () => {
  test("404 is exported with the method alone as its name; 5xx is an ERROR with an exception event", async () => {
    const otlp = receiver();
    const first = await start(services.bins.first, otlp, {
      SECOND_URL: `http://127.0.0.1:${await freePort()}`,
      CHAIN_SLEEP_MAX_MS: "0",
    });
    expect((await fetch(`${first.url}/nope?x=1`)).status).toBe(404);
    expect((await fetch(`${first.url}/`, { method: "POST" })).status).toBe(502);
    await otlp.waitFor((r) => r.spans.filter((s) => s.kind === SERVER).length >= 2);

    const notFound = one(
      otlp.spans.filter((s) => s.kind === SERVER && s.attributes["http.response.status_code"] === 404),
      "404 span",
    );
    expect(notFound.name).toBe("GET");
    expect(notFound.attributes["http.route"]).toBeUndefined();
    expect(notFound.status.code).toBe(0);

    const failed = one(
      otlp.spans.filter((s) => s.kind === SERVER && s.attributes["http.response.status_code"] === 502),
      "502 span",
    );
    expect(failed.name).toBe("POST /");
    expect(failed.status.code).toBe(ERROR);
    expect(failed.attributes["error.type"]).toBe("upstream_unreachable");
    const exception = one(
      failed.events.filter((e) => e.name === "exception"),
      "exception event",
    );
    // The SDK's recordException reports an error's `code` as its type.
    expect(exception.attributes).toMatchObject({
      "exception.type": "upstream_unreachable",
      "exception.message": "second is unreachable",
    });
    const client = one(
      otlp.spansOf(failed.traceId).filter((s) => s.kind === CLIENT),
      "client span",
    );
    expect(client.status.code).toBe(ERROR);
    expect(client.parentSpanId).toBe(failed.spanId);
    expect(typeof client.attributes["error.type"]).toBe("string");
  });

  test("database calls are CLIENT spans with parameterised SQL and never the values", async () => {
    const otlp = receiver();
    const first = await start(services.bins.first, otlp);
    const response = await fetch(`${first.url}/items`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "unmistakable-item-name", price: 4.25 }),
    });
    expect(response.status).toBe(201);
    await otlp.waitFor((r) => r.spans.some((s) => s.name === "INSERT items"));
    const insert = one(
      otlp.spans.filter((s) => s.name === "INSERT items"),
      "insert span",
    );
    const server = one(
      otlp.spans.filter((s) => s.kind === SERVER),
      "server span",
    );
    expect(insert.parentSpanId).toBe(server.spanId);
    expect(insert.kind).toBe(CLIENT);
    expect(insert.attributes).toMatchObject({
      "db.system.name": "sqlite",
      "db.operation.name": "INSERT",
      "db.collection.name": "items",
    });
    expect(String(insert.attributes["db.query.text"])).toContain("?");
    expect(JSON.stringify(otlp.spans)).not.toContain("unmistakable-item-name");
  });

  test("fibonacci work is its own span under the request", async () => {
    const otlp = receiver();
    const first = await start(services.bins.first, otlp);
    await fetch(`${first.url}/fib/15`);
    await otlp.waitFor((r) => r.spans.some((s) => s.name === "fibonacci"));
    const fib = one(
      otlp.spans.filter((s) => s.name === "fibonacci"),
      "fibonacci span",
    );
    expect(fib.attributes["fibonacci.n"]).toBe(15);
    expect(otlp.spans.find((s) => s.spanId === fib.parentSpanId)?.name).toBe("GET /fib/:n");
  });
});

describe("safe by default", () => {
  test("secrets in headers, cookies, query and body reach no span and no log line", async () => {
    const otlp = receiver();
    const secrets = ["Bearer-s3cr3t-token", "session-c00kie-value", "qu3ry-secret", "b0dy-passw0rd", "x-api-k3y-value"];
    const first = await start(services.bins.first, otlp, {
      OTEL_INSTRUMENTATION_HTTP_CAPTURE_REQUEST_HEADERS: "authorization,cookie,x-api-key,x-request-id",
      OTEL_LOGS_EXPORTER: "otlp",
      LOG_LEVEL: "debug",
    });
    const headers = {
      authorization: `Bearer ${secrets[0]}`,
      cookie: `sid=${secrets[1]}`,
      "x-api-key": secrets[4] as string,
      "x-request-id": "req-42",
      "content-type": "application/json",
    };
    await fetch(`${first.url}/items?token=${secrets[2]}`, {
      method: "POST",
      headers,
      body: JSON.stringify({ name: "x", price: 1, password: secrets[3] }),
    });
    await fetch(`${first.url}/items?token=${secrets[2]}`, {
      method: "POST",
      headers,
      body: `{"password":"${secrets[3]}"`,
    });
    await fetch(`${first.url}/fib/abc?password=${secrets[2]}`, { headers });
    await otlp.waitFor((r) => r.spans.filter((s) => s.kind === SERVER).length >= 3 && r.logs.length >= 3);

    const exported = JSON.stringify({ spans: otlp.spans, logs: otlp.logs });
    const printed = first.output();
    for (const secret of secrets) {
      expect(exported).not.toContain(secret);
      expect(printed).not.toContain(secret);
    }
    const server = otlp.spans.find((s) => s.kind === SERVER && s.attributes["url.path"] === "/items");
    expect(server?.attributes["url.query"]).toBe("token=REDACTED");
    // The allow-list captures ordinary headers, never credentials.
    expect(server?.attributes["http.request.header.x-request-id"]).toEqual(["req-42"]);
    expect(server?.attributes["http.request.header.authorization"]).toBeUndefined();
    expect(server?.attributes["http.request.header.cookie"]).toBeUndefined();
  });
});

describe("logs", () => {
  test("access-log lines carry the trace and span ids of the exported SERVER spans; OTLP logs too", async () => {
    const otlp = receiver();
    const first = await start(services.bins.first, otlp, { OTEL_LOGS_EXPORTER: "otlp" });
    for (const n of [3, 4, 5]) await fetch(`${first.url}/fib/${n}`);
    await otlp.waitFor((r) => r.spans.filter((s) => s.kind === SERVER).length >= 3 && r.logs.length >= 3);

    const requestLines = first.logs().filter((l) => l.msg === "request");
    expect(requestLines).toHaveLength(3);
    const servers = otlp.spans.filter((s) => s.kind === SERVER);
    for (const line of requestLines) {
      expect(line).toMatchObject({ level: "info", method: "GET", route: "/fib/:n", status: 200 });
      expect(typeof line.duration_ms).toBe("number");
      const span = servers.find((s) => s.traceId === line.trace_id && s.spanId === line.span_id);
      expect(span?.name).toBe("GET /fib/:n");
    }
    const exportedLines = otlp.logs.filter((l) => l.body === "request");
    expect(exportedLines).toHaveLength(3);
    for (const record of exportedLines) {
      expect(servers.some((s) => s.traceId === record.traceId && s.spanId === record.spanId)).toBe(true);
      expect(record.severityText).toBe("INFO");
      expect(record.resource["service.name"]).toBe("first");
    }
  });
});

describe("OTEL_SDK_DISABLED=true", () => {
  test("turns off spans and metrics, not the access lines", async () => {
    const otlp = receiver();
    const first = await start(services.bins.first, otlp, { OTEL_SDK_DISABLED: "true", LOG_LEVEL: "info" });
    expect((await fetch(`${first.url}/fib/3`)).status).toBe(200);
    expect((await fetch(`${first.url}/fib/x`)).status).toBe(400);
    expect((await fetch(`${first.url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${first.url}/metrics`)).status).toBe(404);
    await first.stop("SIGTERM");

    const requestLines = first.logs().filter((l) => l.msg === "request");
    expect(requestLines.map(({ method, route, status }) => ({ method, route, status }))).toEqual([
      { method: "GET", route: "/fib/:n", status: 200 },
      { method: "GET", route: "/fib/:n", status: 400 },
      { method: "GET", route: undefined, status: 404 },
    ]);
    for (const line of requestLines) {
      expect(typeof line.duration_ms).toBe("number");
      expect(line.trace_id).toBeUndefined();
    }
    expect(otlp.spans).toHaveLength(0);
  });
});

describe("shutdown and a collector that is down", () => {
  test("SIGTERM flushes: spans exported == requests served", async () => {
    const otlp = receiver();
    // A long schedule delay: nothing is exported before the shutdown flush.
    const first = await start(services.bins.first, otlp, { OTEL_BSP_SCHEDULE_DELAY: "600000" });
    const served = 25;
    for (let i = 0; i < served; i++) expect((await fetch(`${first.url}/fib/${i % 10}`)).status).toBe(200);
    expect(otlp.spans.filter((s) => s.kind === SERVER)).toHaveLength(0);
    expect(await first.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    expect(otlp.spans.filter((s) => s.kind === SERVER)).toHaveLength(served);
  });

  test("requests still succeed, and exit stays fast, with no collector; dropped spans are counted", async () => {
    const deadEndpoint = `http://127.0.0.1:${await freePort()}`;
    const first = await start(services.bins.first, deadEndpoint, {
      OTEL_BSP_MAX_QUEUE_SIZE: "8",
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "8",
      OTEL_BSP_SCHEDULE_DELAY: "5000",
    });
    for (let i = 0; i < 40; i++) expect((await fetch(`${first.url}/fib/5`)).status).toBe(200);
    const metricsText = await (await fetch(`${first.url}/metrics`)).text();
    const dropped = /otel_sdk_processor_span_processed_total\{[^}]*error_type="queue_full"[^}]*\} (\d+)/.exec(
      metricsText,
    );
    expect(Number(dropped?.[1])).toBeGreaterThan(0);
    const stopping = performance.now();
    expect(await first.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    expect(performance.now() - stopping).toBeLessThan(5000);
  });
});

describe("sampling", () => {
  test("parent-based ratio 0: no root traces, but a sampled incoming traceparent is honoured (trust)", async () => {
    const otlp = receiver();
    const first = await start(services.bins.first, otlp, {
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0",
      TRACE_CONTEXT_FROM_CLIENTS: "trust",
    });
    await fetch(`${first.url}/fib/3`);
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    await fetch(`${first.url}/fib/4`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    await otlp.waitFor((r) => r.spans.some((s) => s.kind === SERVER));
    await new Promise((r) => setTimeout(r, 300));
    const servers = otlp.spans.filter((s) => s.kind === SERVER);
    expect(servers).toHaveLength(1);
    expect(servers[0]?.traceId).toBe(traceId);
    expect(servers[0]?.parentSpanId).toBe("00f067aa0ba902b7");
  });
});

describe("metrics", () => {
  test("/metrics has the RED, blueprint, runtime and identity series, and promtool accepts it", async () => {
    const otlp = receiver();
    const { first, second } = await chain(otlp, { OTEL_SERVICE_NAME: "" });
    expect((await fetch(`${first.url}/`, { method: "POST" })).status).toBe(200);
    const firstText = await (await fetch(`${first.url}/metrics`)).text();
    const secondText = await (await fetch(`${second.url}/metrics`)).text();

    for (const series of [
      /^http_server_request_duration_seconds_bucket\{[^}]*http_route="\/"[^}]*le="0.005"/m,
      /^http_client_request_duration_seconds_count\{[^}]*http_response_status_code="200"/m,
      /^first_request_count_total\{[^}]*env="dev"[^}]*\} 1$/m,
      /^process_memory_usage_bytes\{[^}]*\} \d+/m,
      /^js_heap_used_bytes\{/m,
      /^eventloop_lag_seconds\{/m,
      /^process_cpu_time_seconds_total\{[^}]*cpu_mode="user"/m,
      new RegExp(
        `^target_info\\{[^}]*service_name="first"[^}]*process_runtime_name="${RUNTIME === "deno" ? "deno" : "bun"}"`,
        "m",
      ),
    ]) {
      expect(firstText).toMatch(series);
    }
    expect(secondText).toMatch(/^httpbin_latency_seconds_bucket\{[^}]*outcome="ok"[^}]*le="0.005"/m);
    expect(secondText).toMatch(/^target_info\{[^}]*service_name="second"/m);

    for (const text of [firstText, secondText]) {
      const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
      if (check.error) throw new Error(`promtool not found (sudo apt-get install prometheus): ${check.error.message}`);
      expect(`${check.stdout}${check.stderr}`.trim()).toBe("");
      expect(check.status).toBe(0);
    }
  });

  test("OpenMetrics on request: parses strictly, and its exemplars are exported spans of the series' route", async () => {
    const otlp = receiver();
    const { first, second } = await chain(otlp);
    const sent = [`${first.url}/`, `${first.url}/fib/5`, `${first.url}/fib/12?token=s3cret-token`];
    for (const url of sent) {
      const response = await fetch(url, { method: url.endsWith("/") ? "POST" : "GET" });
      expect(response.status).toBe(200);
    }
    const accept = { accept: "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5" };
    const [firstOm, secondOm] = await Promise.all(
      [first, second].map(async (service) => {
        const response = await fetch(`${service.url}/metrics`, { headers: accept });
        expect(response.headers.get("content-type")).toStartWith("application/openmetrics-text; version=1.0.0");
        return response.text();
      }),
    );
    expect(firstOm).not.toContain("s3cret-token");
    const exemplars = [...parseOpenMetrics(firstOm as string), ...parseOpenMetrics(secondOm as string)];
    const server = exemplars.filter((e) => e.family === "http_server_request_duration_seconds");
    const client = exemplars.filter((e) => e.family === "http_client_request_duration_seconds");
    expect(new Set(server.map((e) => e.labels.http_route))).toEqual(new Set(["/", "/fib/:n"]));
    expect(client.length).toBeGreaterThanOrEqual(2); // first → second, second → HTTPBin

    await otlp.waitFor((r) => [...server, ...client].every((e) => r.spansOf(e.exemplar.labels.trace_id ?? "").length));
    for (const { labels, exemplar } of server) {
      expect(Object.keys(exemplar.labels).sort()).toEqual(["span_id", "trace_id"]);
      const span = otlp.spansOf(exemplar.labels.trace_id ?? "").find((s) => s.spanId === exemplar.labels.span_id);
      expect(span?.kind).toBe(SERVER);
      expect(span?.attributes["http.route"]).toBe(labels.http_route);
    }
    for (const { exemplar } of client) {
      const span = otlp.spansOf(exemplar.labels.trace_id ?? "").find((s) => s.spanId === exemplar.labels.span_id);
      expect(span?.kind).toBe(CLIENT);
    }
    // The default (and Prometheus 0.0.4) text has none.
    expect(await (await fetch(`${first.url}/metrics`)).text()).not.toContain(" # {");
  });

  test.each(["http/protobuf", "http/json"])(
    "OTLP metric push (%s) carries the sampled request's trace as an exemplar on its route's data point",
    async (protocol) => {
      const otlp = receiver();
      const pushing = await start(services.bins.first, otlp, {
        OTEL_METRICS_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: protocol,
        OTEL_METRIC_EXPORT_INTERVAL: "300",
      });
      expect((await fetch(`${pushing.url}/fib/7`)).status).toBe(200);
      await otlp.waitFor((r) => r.spans.some((s) => s.kind === SERVER && s.attributes["http.route"] === "/fib/:n"));
      const span = one(
        otlp.spans.filter((s) => s.kind === SERVER && s.attributes["http.route"] === "/fib/:n"),
        "one SERVER span for /fib/:n",
      );
      const routePoint = () =>
        otlp.histogramPoints.findLast(
          (p) => p.metric === "http.server.request.duration" && p.attributes["http.route"] === "/fib/:n",
        );
      await otlp.waitFor(() => (routePoint()?.exemplars.length ?? 0) > 0);
      const point = routePoint();
      expect(point?.count).toBe(1);
      const exemplar = one(point?.exemplars ?? [], "one exemplar for one request");
      expect(exemplar.traceId).toBe(span.traceId);
      expect(exemplar.spanId).toBe(span.spanId);
      expect(exemplar.value).toBeGreaterThan(0);
      expect(exemplar.filteredAttributes).toBe(0);
      expect(Math.abs(Number(BigInt(exemplar.timeUnixNano) / 1_000_000n) - Date.now())).toBeLessThan(60_000);
      expect(
        otlp.requests
          .filter((q) => q.path === "/v1/metrics")
          .every((q) => q.contentType.includes(protocol === "http/json" ? "json" : "protobuf")),
      ).toBe(true);
    },
  );

  test("OTEL_METRICS_EXPORTER=otlp pushes metrics; =none turns /metrics off", async () => {
    const otlp = receiver();
    const pushing = await start(services.bins.first, otlp, {
      OTEL_METRICS_EXPORTER: "prometheus,otlp",
      OTEL_METRIC_EXPORT_INTERVAL: "300",
    });
    await fetch(`${pushing.url}/fib/3`);
    await otlp.waitFor((r) => r.requests.some((q) => q.path === "/v1/metrics"));
    const silent = await start(services.bins.first, otlp, { OTEL_METRICS_EXPORTER: "none" });
    const response = await fetch(`${silent.url}/metrics`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("metrics_disabled");
  });
});
