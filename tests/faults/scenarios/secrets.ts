// 8. Secrets sent in every place a client can put them, on every route of both services, healthy and failing: none
// may reach an exported span, an OTLP log record, an OTLP metric, a printed line or a /metrics label.
import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../support/ports";
import type { Service } from "../../support/processes";
import { FixedPortCollector } from "../lib/collector";
import { sleep, tally } from "../lib/load";
import { scrape } from "../lib/proc";
import { figure } from "../lib/report";
import { sharedHttpbin, start, track } from "../lib/suite";

const S = "8 secrets";
const SERVER = 2;

/** Secrets of letters and digits only, so that no encoding (URL, JSON) can hide one from a plain search. */
function makeSecrets() {
  const tag = randomBytes(6).toString("hex");
  const names = [
    "bearer",
    "basicpass",
    "proxyauth",
    "cookie",
    "cookietwo",
    "apikey",
    "authtoken",
    "xsecret",
    "sessionid",
    "querytoken",
    "queryapikey",
    "querypassword",
    "queryaccesstoken",
    "querysig",
    "querybare",
    "bodypassword",
    "bodytoken",
    "bodyname",
    "badbody",
    "textbody",
  ] as const;
  return Object.fromEntries(names.map((n) => [n, `sek${tag}${n}`])) as Record<(typeof names)[number], string>;
}

export function secrets() {
  describe("8. secrets", () => {
    test("secrets in headers, cookies, query strings and bodies reach no span, log record, printed line or label", async () => {
      const secret = makeSecrets();
      const basic = Buffer.from(`alice:${secret.basicpass}`).toString("base64");
      const collector = track(new FixedPortCollector(await freePort()).up());
      const env = {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_BSP_SCHEDULE_DELAY: "100",
        OTEL_BLRP_SCHEDULE_DELAY: "100",
        OTEL_LOGS_EXPORTER: "otlp",
        OTEL_METRICS_EXPORTER: "prometheus,otlp",
        OTEL_METRIC_EXPORT_INTERVAL: "500",
        // Even when an operator lists credential headers for capture, they must not be recorded.
        OTEL_INSTRUMENTATION_HTTP_CAPTURE_REQUEST_HEADERS:
          "authorization,proxy-authorization,cookie,x-api-key,x-auth-token,x-secret,x-session-id,x-request-id",
        OTEL_INSTRUMENTATION_HTTP_CAPTURE_RESPONSE_HEADERS: "set-cookie,content-type",
        LOG_LEVEL: "debug",
      };
      const httpbin = await sharedHttpbin();
      const second = await start("second", { ...env, HTTPBIN_URL: httpbin.url });
      const first = await start("first", { ...env, SECOND_URL: second.url, CHAIN_SLEEP_MAX_MS: "0" });

      const headers = {
        authorization: `Bearer ${secret.bearer}`,
        "proxy-authorization": `Basic ${basic}`,
        cookie: `session=${secret.cookie}; theme=dark; sid=${secret.cookietwo}`,
        "x-api-key": secret.apikey,
        "x-auth-token": secret.authtoken,
        "x-secret": secret.xsecret,
        "x-session-id": secret.sessionid,
        "x-request-id": "visible-request-id",
      };
      const query = `?token=${secret.querytoken}&api_key=${secret.queryapikey}&password=${secret.querypassword}&access_token=${secret.queryaccesstoken}&sig=${secret.querysig}&${secret.querybare}`;
      const bodies: [string, string][] = [
        [
          "application/json",
          JSON.stringify({
            name: secret.bodyname,
            price: 1,
            quantity: 2,
            password: secret.bodypassword,
            token: secret.bodytoken,
          }),
        ],
        ["application/json", `{"name":5,"price":"${secret.badbody}","quantity":"${secret.badbody}"}`],
        ["application/json", `{"password":"${secret.badbody}"`],
        ["text/plain", `password=${secret.textbody}`],
        ["application/json", `{"basic":"${basic}"}`],
      ];
      const routes: [Service, string, string][] = [
        [first, "POST", "/"],
        [first, "GET", "/fib/7"],
        [first, "GET", "/fib/abc"],
        [first, "POST", "/items"],
        [first, "GET", "/items"],
        [first, "GET", "/items/available"],
        [first, "GET", "/no-such-route"],
        [first, "GET", "/health"],
        [first, "GET", "/ready"],
        [first, "GET", "/debug/pprof/profile"],
        [first, "GET", "/metrics"],
        [second, "GET", "/metrics"],
        [second, "POST", "/"],
        [second, "PUT", "/stocks/1"],
        [second, "GET", "/stocks"],
        [second, "DELETE", "/stocks/1"],
      ];
      const statuses: number[] = [];
      const send = async (service: Service, method: string, path: string) => {
        const url = `${service.url}${path}${path.startsWith("/debug") ? `?seconds=abc&token=${secret.querytoken}` : query}`;
        const sends = method === "GET" || method === "DELETE" ? [undefined] : bodies;
        for (const body of sends) {
          const response = await fetch(url, {
            method,
            headers: body ? { ...headers, "content-type": body[0] } : headers,
            ...(body ? { body: body[1] } : {}),
            signal: AbortSignal.timeout(20_000),
          });
          await response.arrayBuffer();
          statuses.push(response.status);
        }
      };
      const everyRoute = async () => {
        for (const [service, method, path] of routes) await send(service, method, path);
      };

      // Healthy.
      await everyRoute();
      const metricsHealthy = [await scrape(first.url), await scrape(second.url)];
      // Both databases unusable: writes fail with 503 (and what the failing query carried must stay out of sight).
      for (const service of [first, second]) {
        writeFileSync(
          join(service.cwd, `data/${service === first ? "first" : "second"}.db`),
          Buffer.alloc(65_536, 0x41),
        );
      }
      await everyRoute();
      // second gone: first's upstream calls fail with 502, logged with their cause.
      await second.stop("SIGTERM");
      for (const [service, method, path] of routes) if (service === first) await send(service, method, path);
      const metricsFailing = await scrape(first.url);

      await sleep(1000);
      expect(await first.stop("SIGTERM")).toEqual({ code: 0, signal: null });
      const receiver = await collector.sync();

      const haystacks: Record<string, string> = {
        "exported spans": collector.text("/v1/traces"),
        "exported log records": collector.text("/v1/logs"),
        "exported metrics": collector.text("/v1/metrics"),
        "first stdout/stderr": first.output(),
        "second stdout/stderr": second.output(),
        "/metrics": [...metricsHealthy, metricsFailing].join("\n"),
      };
      const leaks = Object.entries(haystacks).flatMap(([where, text]) =>
        Object.entries({ ...secret, basic }).flatMap(([what, value]) =>
          text.includes(value) ? [`${what} in ${where}`] : [],
        ),
      );
      const servers = receiver.spans.filter((s) => s.kind === SERVER);
      const byStatus = tally(statuses, String);

      figure(S, "requests with secrets (by status)", `${statuses.length} ${JSON.stringify(byStatus)}`);
      figure(
        S,
        "searched: spans / log records / printed lines / OTLP metric exports",
        `${receiver.spans.length} / ${receiver.logs.length} / ${first.stdout.length + second.stdout.length} / ${collector.raw.filter((r) => r.path === "/v1/metrics").length}`,
      );
      figure(S, "secret occurrences found", leaks.length, "0", leaks.length === 0);

      // The search sees what it should: these prove the telemetry was there to be searched.
      // Everything but the probes, scrapes and profiles (not traced) has its SERVER span.
      expect(servers.length).toBeGreaterThanOrEqual(statuses.length - 4 * 3 - 1);
      expect(receiver.logs.some((l) => l.body === "request")).toBe(true);
      expect(receiver.logs.some((l) => l.severityText === "ERROR")).toBe(true);
      expect(haystacks["exported spans"]).toContain("visible-request-id");
      expect(haystacks["exported spans"]).toContain("token=REDACTED");
      expect(byStatus["503"]).toBeGreaterThan(0);
      expect(byStatus["502"]).toBeGreaterThan(0);
      expect(byStatus["201"]).toBeGreaterThan(0);
      expect(byStatus["500"]).toBeUndefined();
      expect(leaks).toEqual([]);
    }, 120_000);
  });
}
