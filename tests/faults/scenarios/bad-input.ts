// 5. Bad input: over a thousand malformed requests against every route of both services, while connections are
// held open half-sent. No 5xx, no crash, every error is the JSON error shape, /fib over the cap is rejected at once,
// bodies over the limit are 413, and held connections neither block others nor stay open forever.
import { describe, expect, test } from "bun:test";
import { buildCorpus, type Case } from "../lib/corpus";
import { isErrorShape, type Outcome, percentile, sleep, tally, timedFetch } from "../lib/load";
import { metricSum, scrape } from "../lib/proc";
import { type Held, holdOpen, type RawResponse, rawExchange } from "../lib/raw";
import { figure } from "../lib/report";
import { alive, sharedHttpbin, start } from "../lib/suite";

const S = "5 bad input";
const CONCURRENCY = 8;
/** /health probes, at least, while the malformed connections are held open. */
const MIN_PROBES = 10;
/** Bun's idleTimeout is 30 s; a held connection must be closed by then, give or take the timer's granularity. */
const HELD_CLOSE_LIMIT_MS = 45_000;
const FIB_CAP_P99_MS = 5;

interface Result {
  kase: Case;
  response: RawResponse;
}

/** Why a response breaks the contract for its case, or undefined when it is fine. */
function violation({ kase, response }: Result): string | undefined {
  const { status } = response;
  const contentType = response.headers["content-type"] ?? "";
  let body: unknown;
  if (contentType.startsWith("application/json")) {
    try {
      body = JSON.parse(response.body.toString("utf8"));
    } catch {
      return `${status} with a body that is not JSON`;
    }
  }
  // Bun's own refusal of what it cannot parse, before any of our code runs: a bare status line (400, 431, or 505
  // for a request line it cannot read), or a closed connection. Acceptable only where the case expects it.
  const bare = contentType === "" && response.body.length === 0;
  if (kase.transport && (status === 0 || (status >= 400 && bare))) return undefined;
  if (status >= 500) return `${status} ${response.body.toString("utf8").slice(0, 100)}`;
  if (kase.status !== undefined && status !== kase.status) return `${status || "no answer"}, expected ${kase.status}`;
  if (kase.code !== undefined && (body as { error?: { code?: string } })?.error?.code !== kase.code) {
    return `code ${JSON.stringify(body)}, expected ${kase.code}`;
  }
  if (status === 0) return `no answer (${response.error ?? (response.timedOut ? "timeout" : "closed")})`;
  if (status < 400) return undefined;
  if (body !== undefined) {
    if (!isErrorShape(body)) return `${status} JSON not in the error shape: ${JSON.stringify(body).slice(0, 100)}`;
    const message = (body as { error: { message: string } }).error.message;
    if (/\.(ts|js):\d+|\n\s+at /.test(message)) return `${status} message with a stack: ${message}`;
    return undefined;
  }
  return `${status} without the JSON error (${contentType || "no content type"})`;
}

/** The connections held open half-sent, for each service. */
function heldKinds(): [string, string][] {
  const head = (method: string, path: string, extra: string) =>
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${extra}\r\n`;
  return [
    ["nothing sent", ""],
    ["half a request line", "GET /fib/1"],
    ["half the headers", "GET /fib/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: "],
    ["headers, no blank line", "GET /stocks HTTP/1.1\r\nHost: 127.0.0.1\r\n"],
    ["POST /items, 10 of 100 body bytes", `${head("POST", "/items", "Content-Length: 100\r\n")}{"name":"a`],
    ["POST /items, chunked, first chunk only", `${head("POST", "/items", "Transfer-Encoding: chunked\r\n")}5\r\n{"nam`],
    ["PUT /stocks/1, half the body", `${head("PUT", "/stocks/1", "Content-Length: 40\r\n")}{"quantity":`],
    ["POST /, half the body", `${head("POST", "/", "Content-Length: 20\r\n")}{"a":`],
  ];
}

export function badInput() {
  describe("5. bad input", () => {
    test("≥ 1000 malformed requests: no 5xx, no crash, JSON errors, fast /fib cap, 413s, held connections closed", async () => {
      const httpbin = await sharedHttpbin();
      const second = await start("second", { HTTPBIN_URL: httpbin.url, LOG_LEVEL: "warn" });
      const first = await start("first", { SECOND_URL: second.url, CHAIN_SLEEP_MAX_MS: "0", LOG_LEVEL: "warn" });
      const ports = { first: first.port, second: second.port };

      // /fib over the cap: rejected before any work, measured on a quiet server: 300 keep-alive round trips, and on
      // the server side from first's own duration histogram (its 5 ms bucket). Other work on the machine only ever
      // adds to a round trip, so when a round's p99 is over the limit it is measured again (up to 3 rounds) and the
      // best round counts.
      const overCap = ["36", "45", "46", "1000000000", "99999999999999999999"];
      for (let i = 0; i < 20; i++) await timedFetch("warm", `${first.url}/fib/${overCap[i % overCap.length]}`);
      const rejected = { http_route: "/fib/:n", http_response_status_code: "400" };
      const histogram = async () => {
        const text = await scrape(first.url);
        return {
          count: metricSum(text, "http_server_request_duration_seconds_count", rejected),
          under5ms: metricSum(text, "http_server_request_duration_seconds_bucket", { ...rejected, le: "0.005" }),
        };
      };
      const histogramBefore = await histogram();
      const capRounds: Outcome[][] = [];
      do {
        const round: Outcome[] = [];
        for (let i = 0; i < 300; i++) {
          round.push(await timedFetch("cap", `${first.url}/fib/${overCap[i % overCap.length]}`));
        }
        capRounds.push(round);
      } while (percentile(capRounds.at(-1)?.map((o) => o.ms) ?? [], 99) >= FIB_CAP_P99_MS && capRounds.length < 3);
      const histogramAfter = await histogram();
      const capServerCount = histogramAfter.count - histogramBefore.count;
      const capServerUnder5ms = (histogramAfter.under5ms - histogramBefore.under5ms) / capServerCount;
      const capP99s = capRounds.map((round) =>
        percentile(
          round.map((o) => o.ms),
          99,
        ),
      );
      const capP99 = Math.min(...capP99s);
      const capMs = (capRounds[capP99s.indexOf(capP99)] as Outcome[]).map((o) => o.ms);
      const capRuns = capRounds.flat();
      const fibAtCap = await timedFetch("at cap", `${first.url}/fib/30`);

      // Connections held half-sent (plus many that send nothing) while the corpus runs.
      const held: (Held & { service: string })[] = [];
      for (const service of ["first", "second"] as const) {
        for (const [name, bytes] of heldKinds()) {
          held.push({ ...holdOpen(ports[service], name, bytes, HELD_CLOSE_LIMIT_MS + 15_000), service });
        }
        for (let i = 0; i < 20; i++) {
          held.push({ ...holdOpen(ports[service], "silent", "", HELD_CLOSE_LIMIT_MS + 15_000), service });
        }
      }
      const heldSince = performance.now();

      // Others keep being served meanwhile: a probe every 200 ms.
      let probing = true;
      const probes: number[] = [];
      const prober = (async () => {
        while (probing && probes.length < 1000) {
          const outcome = await timedFetch("probe", `${first.url}/health`, {}, 5000);
          probes.push(outcome.status === 200 ? outcome.ms : Number.POSITIVE_INFINITY);
          await sleep(200);
        }
      })();

      const corpus = buildCorpus();
      const results: Result[] = [];
      let next = 0;
      const corpusStarted = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < corpus.length) {
            const kase = corpus[next++] as Case;
            const response = await rawExchange(ports[kase.target], kase.parts, { timeoutMs: 15_000, gapMs: 20 });
            results.push({ kase, response });
          }
        }),
      );
      const corpusMs = performance.now() - corpusStarted;
      // However fast the corpus went, enough probes to say something while the connections are still held.
      const probesUntil = performance.now() + 10_000;
      while (probes.length < MIN_PROBES && performance.now() < probesUntil) await sleep(50);
      probing = false;
      await prober;

      // After the garbage: still alive and serving, the catalog readable, no 5xx counted anywhere.
      const after = await Promise.all([
        timedFetch("items", `${first.url}/items`),
        timedFetch("available", `${first.url}/items/available`),
        timedFetch("stocks", `${second.url}/stocks`),
        fetch(`${first.url}/`, { method: "POST" }).then((r) => ({ status: r.status })),
      ]);
      const closes = await Promise.all(held.map(async (h) => ({ ...h, ...(await h.closed) })));
      const heldMs = performance.now() - heldSince;
      for (const h of held) h.destroy();
      const serverErrors = async (url: string) =>
        metricSum(await scrape(url), "http_server_request_duration_seconds_count", (labels) =>
          /http_response_status_code="5\d\d"/.test(labels),
        );
      const counted5xx = (await serverErrors(first.url)) + (await serverErrors(second.url));

      const violations = results.flatMap((r) => {
        const why = violation(r);
        return why ? [`${r.kase.target} ${r.kase.name}: ${why}`] : [];
      });
      const statuses = tally(results, (r) => (r.response.status === 0 ? "closed" : String(r.response.status)));
      const transportRefusals = results.filter(
        (r) => r.response.status === 0 || (r.response.status >= 400 && !(r.response.headers["content-type"] ?? "")),
      );
      const over = results.filter((r) => r.kase.status === 413);
      const notClosed = closes.filter((c) => !Number.isFinite(c.afterMs));
      const closeTimes = closes.filter((c) => Number.isFinite(c.afterMs)).map((c) => c.afterMs);
      const byKind = Object.entries(
        tally(
          closes.map((c) => ({ ...c, bucket: `${c.name}: ${Math.round(c.afterMs / 1000)} s` })),
          (c) => c.bucket,
        ),
      );

      figure(
        S,
        "malformed requests sent (both services)",
        `${results.length} in ${(corpusMs / 1000).toFixed(1)} s`,
        "≥ 1000",
        results.length >= 1000,
      );
      figure(S, "answers by status", JSON.stringify(statuses));
      const app5xx = results.filter((r) => r.response.status >= 500 && r.response.headers["content-type"]);
      const bare5xx = results.filter((r) => r.response.status >= 500 && !r.response.headers["content-type"]);
      figure(
        S,
        "5xx from the services (answered / counted in /metrics)",
        `${app5xx.length} / ${counted5xx}`,
        "0",
        app5xx.length === 0 && counted5xx === 0,
      );
      figure(S, "bare 505 from Bun's HTTP parser (unreadable request line)", bare5xx.length);
      figure(S, "contract violations (non-JSON error, wrong status…)", violations.length, "0", violations.length === 0);
      figure(S, "refused by Bun before the app (bare 4xx or closed; framing, 431)", transportRefusals.length);
      figure(
        S,
        "over the body limit → 413 body_too_large JSON",
        `${over.filter((r) => !violation(r)).length} / ${over.length}`,
        "all",
        over.every((r) => !violation(r)),
      );
      figure(
        S,
        `/fib over the cap, round trip ms p50 / p99 / max (300${capRounds.length > 1 ? `, best of ${capRounds.length} rounds: p99s ${capP99s.map((p) => p.toFixed(1)).join(", ")}` : ""})`,
        `${percentile(capMs, 50).toFixed(2)} / ${capP99.toFixed(2)} / ${Math.max(...capMs).toFixed(2)}`,
        `p99 < ${FIB_CAP_P99_MS}`,
        capP99 < FIB_CAP_P99_MS,
      );
      figure(
        S,
        `/fib over the cap, server-side: share under 5 ms (of ${capServerCount})`,
        `${(capServerUnder5ms * 100).toFixed(1)}%`,
        "≥ 99%",
        capServerUnder5ms >= 0.99,
      );
      figure(S, "/fib/30 (within the cap) for comparison, ms", fibAtCap.ms);
      figure(
        S,
        `connections held half-sent (${held.length}) closed by the server`,
        `${closes.length - notClosed.length} / ${closes.length}`,
        "all",
        notClosed.length === 0,
      );
      figure(
        S,
        "held connections closed after s (min / max)",
        `${(Math.min(...closeTimes) / 1000).toFixed(1)} / ${(Math.max(...closeTimes) / 1000).toFixed(1)}`,
        `≤ ${HELD_CLOSE_LIMIT_MS / 1000}`,
        notClosed.length === 0 && Math.max(...closeTimes) <= HELD_CLOSE_LIMIT_MS,
      );
      figure(
        S,
        "/health while connections were held: probes, p99 / max ms",
        `${probes.length}, ${percentile(probes, 99).toFixed(2)} / ${Math.max(...probes).toFixed(2)}`,
        "all 200",
        probes.every(Number.isFinite),
      );

      expect(results.length).toBeGreaterThanOrEqual(1000);
      expect(violations).toEqual([]);
      expect(counted5xx).toBe(0);
      expect(app5xx.map((r) => r.kase.name)).toEqual([]);
      expect(capRuns.every((o) => o.status === 400 && isErrorShape(o.body))).toBe(true);
      expect(capP99).toBeLessThan(FIB_CAP_P99_MS);
      expect(capServerCount).toBe(capRuns.length);
      expect(capServerUnder5ms).toBeGreaterThanOrEqual(0.99);
      expect(fibAtCap.status).toBe(200);
      expect(after.map((o) => o.status)).toEqual([200, 200, 200, 200]);
      expect(notClosed.map((c) => `${c.service} ${c.name}`)).toEqual([]);
      expect(Math.max(...closeTimes), JSON.stringify(byKind)).toBeLessThanOrEqual(HELD_CLOSE_LIMIT_MS);
      expect(probes.length).toBeGreaterThanOrEqual(MIN_PROBES);
      expect(probes.every(Number.isFinite)).toBe(true);
      expect(heldMs).toBeLessThan(HELD_CLOSE_LIMIT_MS + 20_000);
      expect([alive(first), alive(second)]).toEqual([true, true]);
      expect([...first.stderr, ...second.stderr].filter((l) => l.trim() !== "")).toEqual([]);
    }, 180_000);
  });
}
