// The scale-out topology on loopback, every process real and started/stopped by pid: 2× first and 2× second
// behind HAProxy, one sqld, a Collector agent routing by trace id to 2 gateway Collectors that tail-sample into
// Jaeger, and Prometheus scraping all of it. The Collector configs are the chart's (observability/collector/).
import { writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { builtBinary } from "../observability/helpers";
import { binaries } from "../support/binaries";
import { freePort, waitForOk } from "../support/ports";
import { emptyDir, type Proc, type Service, spawnProc, startBinary, startedOrExplain } from "../support/processes";
import { type Sqld, startSqld } from "../support/sqld";

const REPO = join(import.meta.dir, "../..");
const STACK_BIN = join(process.env.TWINBIN_STACK_DIR ?? join(homedir(), ".cache/twinbin/stack"), "bin");

export interface Sampling {
  decisionWait: string;
  slowTraceMs: number;
  samplePercent: number;
}

export interface Collector extends Proc {
  /** OTLP/gRPC in (gateways), OTLP/HTTP base URL (agent). */
  grpcPort: number;
  httpUrl: string;
  metricsUrl: string;
  restart(): Promise<Collector>;
}

/** A replica of first or second: restartable on the same ports (the balancer's server entry stays the same). */
export interface Replica {
  name: string;
  service: Service;
  adminPort: number;
  restart(): Promise<void>;
}

export async function startCollector(
  name: string,
  tier: "agent" | "gateway",
  env: Record<string, string>,
  ports?: { grpc: number; http: number; health: number; metrics: number },
): Promise<Collector> {
  const p = ports ?? {
    grpc: await freePort(),
    http: await freePort(),
    health: await freePort(),
    metrics: await freePort(),
  };
  const otelcol = builtBinary("OTELCOL_BIN", join(STACK_BIN, "otelcol"));
  const proc = spawnProc(
    name,
    otelcol,
    [`--config=${join(REPO, "observability/collector", `${tier}.yaml`)}`],
    {
      OTELCOL_LISTEN_HOST: "127.0.0.1",
      OTELCOL_OTLP_GRPC_PORT: String(p.grpc),
      OTELCOL_OTLP_HTTP_PORT: String(p.http),
      OTELCOL_HEALTH_PORT: String(p.health),
      OTELCOL_METRICS_PORT: String(p.metrics),
      ...env,
    },
    emptyDir("twinbin-otelcol-"),
  );
  await startedOrExplain(proc, `http://127.0.0.1:${p.health}/`);
  return Object.assign(proc, {
    grpcPort: p.grpc,
    httpUrl: `http://127.0.0.1:${p.http}`,
    metricsUrl: `http://127.0.0.1:${p.metrics}/metrics`,
    restart: () => startCollector(name, tier, env, p),
  });
}

export interface Jaeger extends Proc {
  queryUrl: string;
  grpcEndpoint: string;
}

/**
 * Starts with fresh free ports, again (up to 3 times) when a port picked a moment ago was taken meanwhile by another
 * process on this shared machine.
 */
async function withFreshPorts<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= 3 || !String((error as Error).message).includes("address already in use")) throw error;
    }
  }
}

async function startJaeger(): Promise<Jaeger> {
  const ports = {
    JAEGER_OTLP_GRPC_PORT: await freePort(),
    JAEGER_OTLP_HTTP_PORT: await freePort(),
    JAEGER_UI_PORT: await freePort(),
    JAEGER_QUERY_GRPC_PORT: await freePort(),
    JAEGER_HEALTH_PORT: await freePort(),
    JAEGER_METRICS_PORT: await freePort(),
  };
  const env = Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)]));
  const jaeger = builtBinary("JAEGER_BIN", join(STACK_BIN, "jaeger"));
  const proc = spawnProc(
    "jaeger",
    jaeger,
    ["--config", join(REPO, "observability/jaeger.yaml")],
    { JAEGER_LISTEN_HOST: "127.0.0.1", ...env },
    emptyDir("twinbin-jaeger-"),
  );
  await startedOrExplain(proc, `http://127.0.0.1:${ports.JAEGER_UI_PORT}/api/services`);
  return Object.assign(proc, {
    queryUrl: `http://127.0.0.1:${ports.JAEGER_UI_PORT}`,
    grpcEndpoint: `127.0.0.1:${ports.JAEGER_OTLP_GRPC_PORT}`,
  });
}

export interface Balancer extends Proc {
  url: string;
  /** Server name → "UP" | "DOWN" | "DRAIN" | …, from HAProxy's stats (CSV). */
  states(): Promise<Record<string, string>>;
  /** Server name → sessions it has served so far (stot). */
  served(): Promise<Record<string, number>>;
  /** Takes a server out of rotation ("drain", what removing a pod from the endpoints does) or back ("ready"). */
  setState(server: string, state: "drain" | "ready"): Promise<void>;
}

/**
 * HAProxy in front of `servers`: health checks on /ready every 200 ms (down after 2 failures, up after 2
 * passes); a connection refused by a dead server is retried on another one (the request was never sent, so
 * even a POST is safe to retry).
 */
export async function startBalancer(name: string, servers: { name: string; port: number }[]): Promise<Balancer> {
  const port = await freePort();
  const statsPort = await freePort();
  const dir = emptyDir("twinbin-haproxy-");
  const socket = join(dir, "admin.sock");
  const config = [
    "global",
    "  maxconn 4096",
    `  stats socket ${socket} level admin`,
    "defaults",
    "  mode http",
    "  timeout connect 1s",
    "  timeout client 30s",
    "  timeout server 30s",
    "  retries 3",
    "  option redispatch 1",
    "  retry-on conn-failure empty-response",
    `frontend ${name}`,
    `  bind 127.0.0.1:${port}`,
    `  default_backend ${name}-replicas`,
    `backend ${name}-replicas`,
    "  balance roundrobin",
    "  option httpchk GET /ready",
    "  http-check expect status 200",
    // A dead server refuses the check at once (down after 3 checks, ~0.6 s); a live one whose /ready waits behind
    // a burst of database calls gets 2 s to answer.
    "  timeout check 2s",
    "  default-server inter 200ms fall 3 rise 2",
    ...servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port} check`),
    "frontend stats",
    `  bind 127.0.0.1:${statsPort}`,
    "  stats enable",
    "  stats uri /stats",
  ].join("\n");
  writeFileSync(join(dir, "haproxy.cfg"), `${config}\n`);
  const proc = spawnProc(`haproxy-${name}`, "/usr/sbin/haproxy", ["-db", "-f", join(dir, "haproxy.cfg")], {}, dir);
  const statsUrl = `http://127.0.0.1:${statsPort}/stats;csv`;
  await startedOrExplain(proc, statsUrl);
  // # pxname,svname,qcur,qmax,scur,smax,slim,stot,…,status (column 17)
  const serverRows = async () => {
    const csv = await (await fetch(statsUrl)).text();
    return csv
      .split("\n")
      .map((line) => line.split(","))
      .filter((r) => r[0] === `${name}-replicas` && r[1] !== "BACKEND" && r[1] !== undefined);
  };
  return Object.assign(proc, {
    url: `http://127.0.0.1:${port}`,
    async states() {
      return Object.fromEntries((await serverRows()).map((r) => [r[1], r[17] ?? ""]));
    },
    async served() {
      return Object.fromEntries((await serverRows()).map((r) => [r[1], Number(r[7])]));
    },
    setState: (server: string, state: "drain" | "ready") =>
      new Promise<void>((resolve, reject) => {
        const connection = createConnection({ path: socket }, () => {
          connection.end(`set server ${name}-replicas/${server} state ${state}\n`);
        });
        connection.on("error", reject);
        connection.on("close", () => resolve());
        connection.resume();
      }),
  });
}

export interface Prometheus extends Proc {
  url: string;
  /** The `up` value per job/instance. */
  targets(): Promise<{ job: string; instance: string; health: string }[]>;
}

async function startPrometheus(jobs: Record<string, string[]>): Promise<Prometheus> {
  const port = await freePort();
  const dir = emptyDir("twinbin-prometheus-");
  const scrapeConfigs = Object.entries(jobs).map(([job, targets]) => ({
    job_name: job,
    scrape_interval: "1s",
    static_configs: [{ targets }],
  }));
  writeFileSync(join(dir, "prometheus.yml"), JSON.stringify({ global: {}, scrape_configs: scrapeConfigs }));
  const proc = spawnProc(
    "prometheus",
    builtBinary("PROMETHEUS_BIN", join(STACK_BIN, "prometheus")),
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    {},
    dir,
  );
  const url = `http://127.0.0.1:${port}`;
  await startedOrExplain(proc, `${url}/-/ready`);
  return Object.assign(proc, {
    url,
    async targets() {
      const body = (await (await fetch(`${url}/api/v1/targets`)).json()) as {
        data: { activeTargets: { labels: { job: string; instance: string }; health: string }[] };
      };
      return body.data.activeTargets.map((t) => ({ job: t.labels.job, instance: t.labels.instance, health: t.health }));
    },
  });
}

export interface Topology {
  sqld: Sqld;
  jaeger: Jaeger;
  gateways: Collector[];
  agent: Collector;
  firsts: Replica[];
  seconds: Replica[];
  firstBalancer: Balancer;
  secondBalancer: Balancer;
  prometheus: Prometheus;
  /** Stops `process` (SIGKILL) with the rest at the end, e.g. a restarted Collector. */
  adopt<T extends { stop(signal?: NodeJS.Signals): Promise<unknown> }>(process: T): T;
  stop(): Promise<void>;
}

/** Starts a replica on fixed ports (the same again on restart), waiting for /ready. */
async function startReplica(
  name: string,
  binary: string,
  env: Record<string, string>,
  ports: { port: number; admin: number },
): Promise<Replica> {
  const launch = async () => {
    const service = await startBinary(binary, {
      ...env,
      PORT: String(ports.port),
      ADMIN_PORT: String(ports.admin),
      OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${name}`,
    });
    await waitForOk(`${service.url}/ready`, 15_000);
    return service;
  };
  const replica: Replica = {
    name,
    service: await launch(),
    adminPort: ports.admin,
    async restart() {
      replica.service = await launch();
    },
  };
  return replica;
}

export async function startTopology(options: { upstreamUrl: string; sampling: Sampling }): Promise<Topology> {
  const started: { stop(signal?: NodeJS.Signals): Promise<unknown> }[] = [];
  const track = <T extends { stop(signal?: NodeJS.Signals): Promise<unknown> }>(p: T) => {
    started.push(p);
    return p;
  };
  const stop = async () => {
    await Promise.all(started.reverse().map((p) => p.stop("SIGKILL")));
  };
  try {
    const bins = await binaries();
    const [sqld, jaeger] = await Promise.all([startSqld().then(track), withFreshPorts(startJaeger).then(track)]);
    const gatewayEnv = {
      OTELCOL_BACKEND_ENDPOINT: jaeger.grpcEndpoint,
      OTELCOL_BACKEND_INSECURE: "true",
      OTELCOL_BACKEND_HEADERS: "{}",
      OTELCOL_TAIL_DECISION_WAIT: options.sampling.decisionWait,
      OTELCOL_SLOW_TRACE_MS: String(options.sampling.slowTraceMs),
      OTELCOL_SAMPLE_PERCENT: String(options.sampling.samplePercent),
    };
    const gateways = await Promise.all(
      ["gateway-1", "gateway-2"].map((name) =>
        withFreshPorts(() => startCollector(name, "gateway", gatewayEnv)).then(track),
      ),
    );
    const resolver = `{static: {hostnames: [${gateways.map((g) => `'127.0.0.1:${g.grpcPort}'`).join(", ")}]}}`;
    const agent = track(
      await withFreshPorts(() => startCollector("agent", "agent", { OTELCOL_GATEWAY_RESOLVER: resolver })),
    );

    const ports = async () => ({ port: await freePort(), admin: await freePort() });
    const secondPorts = [await ports(), await ports()];
    const firstPorts = [await ports(), await ports()];
    const secondBalancer = track(
      await startBalancer(
        "second",
        secondPorts.map((p, i) => ({ name: `second-${i + 1}`, port: p.port })),
      ),
    );
    const common = {
      DATABASE_URL: sqld.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: agent.httpUrl,
      OTEL_BSP_SCHEDULE_DELAY: "200",
      LOG_LEVEL: "warn",
      SHUTDOWN_GRACE_MS: "5000",
      DEPLOY_ENV: "scale-test",
    };
    // One after the other: both replicas of a service migrate the same fresh database at start-up.
    const seconds: Replica[] = [];
    for (const [i, p] of secondPorts.entries()) {
      // The HTTPBin stand-in is ours here: it reads the trace id to pick its answer (docs/trust-boundaries.md).
      const env = {
        ...common,
        HTTPBIN_URL: options.upstreamUrl,
        PROPAGATE_TO: new URL(options.upstreamUrl).host,
        UPSTREAM_TIMEOUT_MS: "4000",
      };
      seconds.push(await startReplica(`second-${i + 1}`, bins.second, env, p));
    }
    const firsts: Replica[] = [];
    for (const [i, p] of firstPorts.entries()) {
      // The test's client stands where an ingress would: first joins the trace it starts, so every request's
      // trace id is known to the test.
      const env = {
        ...common,
        SECOND_URL: secondBalancer.url,
        CHAIN_SLEEP_MAX_MS: "0",
        UPSTREAM_TIMEOUT_MS: "5000",
        TRACE_CONTEXT_FROM_CLIENTS: "trust",
      };
      firsts.push(await startReplica(`first-${i + 1}`, bins.first, env, p));
    }
    started.push({ stop: (signal) => Promise.all([...firsts, ...seconds].map((r) => r.service.stop(signal))) });
    const firstBalancer = track(
      await startBalancer(
        "first",
        firstPorts.map((p, i) => ({ name: `first-${i + 1}`, port: p.port })),
      ),
    );
    const local = (port: number) => `127.0.0.1:${port}`;
    const metricsTarget = (c: Collector) => new URL(c.metricsUrl).host;
    const prometheus = track(
      await startPrometheus({
        first: firsts.map((r) => local(r.adminPort)),
        second: seconds.map((r) => local(r.adminPort)),
        "otelcol-agent": [metricsTarget(agent)],
        "otelcol-gateway": gateways.map(metricsTarget),
      }),
    );
    return {
      sqld,
      jaeger,
      gateways,
      agent,
      firsts,
      seconds,
      firstBalancer,
      secondBalancer,
      prometheus,
      adopt: track,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
