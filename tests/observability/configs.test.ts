// The observability configs (observability/, compose.yaml, Dockerfile): checked by the real tools where they
// exist (promtool, amtool; the Collector's and Jaeger's own `validate` need Go-built binaries and run in
// tests/e2e/validate.test.ts), structurally otherwise. A missing tool fails the test with the way to install it
// (`npm test` installs them first when run as root); nothing is skipped.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix, relative } from "node:path";
import { stages } from "../support/dockerfile";
import {
  ALLOWED_METRICS,
  type ComposeFile,
  composeService,
  hostPathFor,
  metricNames,
  mounts,
  mustSucceed,
  parseDuration,
  promExprs,
  ROOT,
  readYaml,
} from "./helpers";

const OBS = join(ROOT, "observability");

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/** A tool from PATH, or a failure naming the Debian package that provides it. */
function tool(name: string, debianPackage: string): string {
  const path = Bun.which(name);
  if (!path)
    throw new Error(
      `${name} not found on PATH: install it with \`bash tools/debian-packages.sh\` (it runs apt-get install -y ${debianPackage})`,
    );
  return path;
}

const compose = readYaml<ComposeFile>("compose.yaml");
const service = composeService;

describe("Prometheus and Alertmanager (promtool, amtool)", () => {
  test("promtool check config observability/prometheus.yml", () => {
    const out = mustSucceed(tool("promtool", "prometheus"), ["check", "config", "observability/prometheus.yml"]);
    expect(out).toContain("SUCCESS");
  });

  test("promtool check rules observability/alerts.yml", () => {
    const out = mustSucceed(tool("promtool", "prometheus"), ["check", "rules", "observability/alerts.yml"]);
    expect(out).toContain("SUCCESS: 4 rules found");
  });

  test("promtool test rules observability/alerts.test.yml", () => {
    mustSucceed(tool("promtool", "prometheus"), ["test", "rules", "observability/alerts.test.yml"]);
  });

  test("the unit tests cover every alert, firing and not firing", () => {
    const rules = readYaml<{ groups: { rules: { alert?: string }[] }[] }>("observability/alerts.yml");
    const alerts = rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
    const tests = readYaml<{ tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[] }>(
      "observability/alerts.test.yml",
    );
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    expect(alerts.length).toBeGreaterThanOrEqual(3);
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect({ alert, fires: mine.some((c) => (c.exp_alerts ?? []).length > 0) }).toEqual({ alert, fires: true });
      expect({ alert, quiet: mine.some((c) => (c.exp_alerts ?? []).length === 0) }).toEqual({ alert, quiet: true });
    }
  });

  test("every alert has summary, description and runbook annotations and a severity", () => {
    const rules = readYaml<{
      groups: { rules: { alert?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
    }>("observability/alerts.yml");
    for (const rule of rules.groups.flatMap((g) => g.rules)) {
      expect(Object.keys(rule.annotations ?? {}).sort()).toEqual(["description", "runbook", "summary"]);
      expect(["critical", "warning"]).toContain(rule.labels?.severity ?? "");
    }
  });

  test("amtool check-config observability/alertmanager.yml", () => {
    const out = mustSucceed(tool("amtool", "prometheus-alertmanager"), [
      "check-config",
      "observability/alertmanager.yml",
    ]);
    expect(out).toContain("SUCCESS");
  });
});

describe("compose environment for the Collector and Jaeger", () => {
  test("compose sets only variables that the mounted config reads", () => {
    for (const [name, file] of [
      ["otel-collector", "observability/otelcol.yaml"],
      ["jaeger", "observability/jaeger.yaml"],
    ] as const) {
      const read = new Set([...readFileSync(join(ROOT, file), "utf8").matchAll(/\$\{env:(\w+)/g)].map((m) => m[1]));
      for (const variable of Object.keys(service(name).environment ?? {})) {
        expect({ file, variable, read: read.has(variable) }).toEqual({ file, variable, read: true });
      }
    }
  });
});

describe("one verbatim config for compose and native (target files)", () => {
  // Both read `targets/*.json` relative to their own config file. Natively that is observability/targets/;
  // in compose, whatever is mounted beside the config in the container.
  const configs = [
    { service: "prometheus", file: "observability/prometheus.yml", containerDir: "/etc/prometheus" },
    { service: "parca", file: "observability/parca.yaml", containerDir: "/etc/parca" },
  ];

  function fileSdPaths(config: unknown): string[] {
    const found: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        for (const [key, value] of Object.entries(node)) {
          if (key === "file_sd_configs") for (const sd of value as { files: string[] }[]) found.push(...sd.files);
          else walk(value);
        }
      }
    };
    walk(config);
    return found;
  }

  for (const { service: name, file, containerDir } of configs) {
    test(`${file}: every file_sd path exists natively and in the ${name} container`, () => {
      const config = readYaml(file);
      const paths = fileSdPaths(config);
      expect(paths.length).toBeGreaterThan(0);
      const mounted = hostPathFor(service(name), posix.join(containerDir, posix.basename(file)));
      expect(mounted).toBe(join(ROOT, file));
      for (const path of paths) {
        expect(posix.isAbsolute(path)).toBe(false);
        expect(existsSync(join(OBS, path))).toBe(true);
        const inCompose = hostPathFor(service(name), posix.join(containerDir, path));
        expect({ path, inCompose: inCompose !== undefined && existsSync(inCompose) }).toEqual({
          path,
          inCompose: true,
        });
      }
    });
  }

  test("prometheus.yml's rule file is beside it natively and in the container", () => {
    const config = readYaml<{ rule_files: string[] }>("observability/prometheus.yml");
    for (const rules of config.rule_files) {
      expect(existsSync(join(OBS, rules))).toBe(true);
      expect(hostPathFor(service("prometheus"), posix.join("/etc/prometheus", rules))).toBe(join(OBS, rules));
    }
  });

  test("native and compose target files list the same files, with the ports the configs listen on", () => {
    const native = readdirSync(join(OBS, "targets")).filter((f) => f.endsWith(".json"));
    const composed = readdirSync(join(OBS, "targets/compose")).filter((f) => f.endsWith(".json"));
    expect(composed.sort()).toEqual(native.sort());
    const targets = (path: string) =>
      (JSON.parse(readFileSync(path, "utf8")) as { targets: string[] }[]).flatMap((g) => g.targets);
    const ports = (path: string) => targets(path).map((t) => t.split(":").pop());
    for (const f of native) {
      for (const t of targets(join(OBS, "targets", f))) expect(t).toMatch(/^127\.0\.0\.1:\d+$/);
      if (f === "jaeger.json") continue; // below: its port differs on purpose
      expect({ f, compose: ports(join(OBS, "targets/compose", f)) }).toEqual({
        f,
        compose: ports(join(OBS, "targets", f)),
      });
    }
    // Jaeger's own metrics: 18888 natively (off the Collector's 8888), 8888 in its container.
    const jaegerDefault = readFileSync(join(OBS, "jaeger.yaml"), "utf8").match(
      /\$\{env:JAEGER_METRICS_PORT:-(\d+)\}/,
    )?.[1];
    expect(ports(join(OBS, "targets/jaeger.json"))).toEqual([jaegerDefault]);
    expect(ports(join(OBS, "targets/compose/jaeger.json"))).toEqual([
      service("jaeger").environment?.JAEGER_METRICS_PORT,
    ]);
    // The Collector's ports are fixed in otelcol.yaml.
    const otelcol = readFileSync(join(OBS, "otelcol.yaml"), "utf8");
    expect(otelcol).toContain("port: 8888");
    expect(otelcol).toContain(':8889"');
    expect(ports(join(OBS, "targets/otelcol.json"))).toEqual(["8888"]);
    expect(ports(join(OBS, "targets/otelcol-exported.json"))).toEqual(["8889"]);
  });

  test("parca.yaml scrapes only process_cpu (delta) from /debug/pprof/profile, with timeout > interval", () => {
    type Job = {
      job_name: string;
      scrape_interval: string;
      scrape_timeout: string;
      profiling_config: { pprof_config: Record<string, { enabled: boolean; path?: string; delta?: boolean }> };
    };
    const parca = readYaml<{ object_storage: { bucket: { type: string } }; scrape_configs: Job[] }>(
      "observability/parca.yaml",
    );
    expect(parca.object_storage.bucket.type).toBe("FILESYSTEM");
    expect(parca.scrape_configs.map((j) => j.job_name).sort()).toEqual(["first", "second"]);
    for (const job of parca.scrape_configs) {
      const interval = parseDuration(job.scrape_interval);
      expect(interval).toBe(10);
      expect(parseDuration(job.scrape_timeout)).toBeGreaterThan(interval);
      const { process_cpu, ...others } = job.profiling_config.pprof_config;
      expect(process_cpu).toEqual({ enabled: true, path: "/debug/pprof/profile", delta: true });
      // Parca enables its Go-runtime defaults unless they are turned off explicitly.
      expect(Object.keys(others).sort()).toEqual(["block", "goroutine", "memory", "mutex"]);
      for (const other of Object.values(others)) expect(other.enabled).toBe(false);
    }
  });
});

describe("compose.yaml", () => {
  test("every image is pinned to an explicit version tag; built services use the repo's Dockerfile", () => {
    for (const [name, s] of Object.entries(compose.services)) {
      if (s.image === undefined) {
        expect({ name, build: s.build !== undefined }).toEqual({ name, build: true });
        continue;
      }
      const tag = s.image.includes("@") ? undefined : s.image.slice(s.image.lastIndexOf(":") + 1);
      expect({ name, image: s.image, pinned: s.image.lastIndexOf(":") > s.image.lastIndexOf("/") }).toEqual({
        name,
        image: s.image,
        pinned: true,
      });
      expect({ name, tag }).toEqual({ name, tag: expect.stringMatching(/^v?\d+(\.\d+)+$/) });
    }
  });

  test("the Dockerfile exists, is what the built services use, and has a pinned glibc base", () => {
    const built = Object.values(compose.services).filter((s) => s.build !== undefined);
    expect(built.length).toBe(2);
    for (const s of built) {
      const build = typeof s.build === "string" ? { context: s.build } : (s.build ?? {});
      const dockerfile = join(ROOT, build.context ?? ".", build.dockerfile ?? "Dockerfile");
      expect(relative(ROOT, dockerfile)).toBe("Dockerfile");
    }
    // The default (last) stage runs the glibc binaries; the per-platform stages and the Alpine variant are
    // checked against the release folder by tests/release/dockerfile.test.ts.
    const { stages: all } = stages(readFileSync(join(ROOT, "Dockerfile"), "utf8"), {});
    const base = all.at(-1)?.base ?? "";
    expect(base).toMatch(/^(debian|ubuntu):[\w.]*\d[\w.-]*$/);
    expect(base).not.toMatch(/alpine|scratch|distroless|latest/);
  });

  test("every mounted host path under ./ exists", () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const m of mounts(s)) {
        if (!m.source.startsWith("./")) continue;
        expect({ name, source: m.source, exists: existsSync(join(ROOT, m.source)) }).toEqual({
          name,
          source: m.source,
          exists: true,
        });
      }
    }
  });

  test("every file in observability/ is mounted, or is one of the few used only natively or by tests", () => {
    const notMounted = [
      /^otelcol-builder\.yaml$/, // build manifest of the native Collector
      /^alerts\.test\.yml$/, // promtool unit tests
      /^README\.md$/,
      /^collector\/(agent|gateway)\.yaml$/, // the Helm chart's two Collector tiers (deploy/helm, npm run test:k8s)
      /^targets\/[^/]+\.json$/, // the native target files (compose mounts targets/compose/ in their place)
    ];
    const sources = Object.values(compose.services)
      .flatMap(mounts)
      .map((m) => m.source)
      .filter((source) => source.startsWith("./observability/"))
      .map((source) => join(ROOT, source));
    for (const file of listFiles(OBS)) {
      const rel = relative(OBS, file);
      const mounted = sources.some((s) => file === s || file.startsWith(`${s}/`));
      const allowed = notMounted.some((re) => re.test(rel));
      expect({ rel, mountedOrAllowed: mounted || allowed }).toEqual({ rel, mountedOrAllowed: true });
      expect({ rel, notBoth: !(mounted && allowed) }).toEqual({ rel, notBoth: true });
    }
  });

  test("publishes the UIs and the Collector's OTLP ports", () => {
    const published = new Set(
      Object.values(compose.services)
        .filter((s) => s.profiles === undefined)
        .flatMap((s) => s.ports ?? [])
        .map((p) => String(p).split(":").pop()),
    );
    for (const port of ["16686", "9090", "9093", "3000", "7070", "4317", "4318", "8080"]) {
      expect({ port, published: published.has(port) }).toEqual({ port, published: true });
    }
  });

  test("containers that scrape the host's binaries can resolve host.docker.internal", () => {
    for (const name of ["prometheus", "parca"]) {
      expect(service(name).extra_hosts ?? []).toContain("host.docker.internal:host-gateway");
    }
  });

  test("the optional services profile reaches the stack by service name", () => {
    const first = service("first");
    const second = service("second");
    expect(first.profiles).toEqual(["services"]);
    expect(second.profiles).toEqual(["services"]);
    expect(first.environment?.SECOND_URL).toBe("http://second:5001");
    expect(second.environment?.HTTPBIN_URL).toBe("http://httpbin:8080");
    for (const s of [first, second])
      expect(s.environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe("http://otel-collector:4318");
  });

  test("Grafana gets every variable its provisioning files read", () => {
    const env = service("grafana").environment ?? {};
    const strings = (node: unknown): string[] =>
      typeof node === "string"
        ? [node]
        : node && typeof node === "object"
          ? Object.values(node as Record<string, unknown>).flatMap(strings)
          : [];
    const files = listFiles(join(OBS, "grafana/provisioning"));
    expect(files.length).toBe(2);
    for (const file of files) {
      // Grafana expands values after parsing (not comments): $$ is a literal dollar, then $NAME or ${NAME}.
      for (const value of strings(readYaml(relative(ROOT, file)))) {
        for (const m of value.replaceAll("$$", "").matchAll(/\$\{?([A-Za-z_]\w*)\}?/g)) {
          const variable = m[1] ?? "";
          expect({ file: relative(ROOT, file), variable, set: variable in env }).toEqual({
            file: relative(ROOT, file),
            variable,
            set: true,
          });
        }
      }
    }
  });
});

describe("Grafana dashboards and queries", () => {
  const dashboardsDir = join(OBS, "grafana/dashboards");
  const dashboards = readdirSync(dashboardsDir).filter((f) => f.endsWith(".json"));
  const datasources = readYaml<{ datasources: { uid: string; type: string; jsonData?: Record<string, unknown> }[] }>(
    "observability/grafana/provisioning/datasources/datasources.yaml",
  ).datasources;

  test("the metric-name extractor finds names and skips functions, labels, ranges and keywords", () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le, http_route) (rate(http_server_request_duration_seconds_bucket{job="first", x=~"a b"}[$__rate_interval])))',
      ),
    ).toEqual(["http_server_request_duration_seconds_bucket"]);
    expect(metricNames("sum(rate(a_total[5m])) by (job) / on (job) group_left b_info > bool 0.5 or vector(0)")).toEqual(
      ["a_total", "b_info"],
    );
  });

  test("one dashboard per service, each parses with a unique uid", () => {
    expect(dashboards.sort()).toEqual(["first.json", "second.json"]);
    const uids = dashboards.map(
      (f) => (JSON.parse(readFileSync(join(dashboardsDir, f), "utf8")) as { uid: string }).uid,
    );
    expect(new Set(uids).size).toBe(uids.length);
  });

  for (const file of dashboards) {
    const name = file.replace(/\.json$/, "");
    test(`${file}: panel queries use only known metrics of ${name}, and provisioned data sources`, () => {
      const dashboard = JSON.parse(readFileSync(join(dashboardsDir, file), "utf8"));
      const exprs = promExprs(dashboard);
      expect(exprs.length).toBeGreaterThan(10);
      const serviceOnly: [RegExp, string][] = [
        [/^first_/, "first"],
        [/^httpbin_latency_/, "second"],
      ];
      const used = new Set<string>();
      for (const expr of exprs) {
        expect({ expr, job: expr.includes(`job="${name}"`) }).toEqual({ expr, job: true });
        for (const metric of metricNames(expr)) {
          used.add(metric);
          expect({ expr, metric, known: ALLOWED_METRICS.has(metric) }).toEqual({ expr, metric, known: true });
          for (const [re, owner] of serviceOnly)
            if (re.test(metric)) expect({ metric, owner }).toEqual({ metric, owner: name });
        }
      }
      // RED + runtime: the histogram, its rate and errors, and the process panels are all there.
      for (const metric of [
        "http_server_request_duration_seconds_bucket",
        "http_server_request_duration_seconds_count",
        "http_client_request_duration_seconds_bucket",
        "process_memory_usage_bytes",
        "js_heap_used_bytes",
        "process_cpu_time_seconds_total",
        "eventloop_lag_seconds",
        "otel_sdk_processor_span_processed_total",
      ]) {
        expect({ metric, used: used.has(metric) }).toEqual({ metric, used: true });
      }
      const uids = new Set(datasources.map((d) => d.uid));
      const referenced = JSON.stringify(dashboard).matchAll(/"datasource":\{"type":"(\w+)","uid":"([^"]+)"\}/g);
      for (const [, type, uid] of referenced) {
        if (type === "grafana") continue;
        expect({ uid, provisioned: uids.has(uid ?? "") }).toEqual({ uid, provisioned: true });
      }
    });
  }

  test("alert rules and the Jaeger → metrics links use only known metrics", () => {
    const rules = readYaml<{ groups: { rules: { expr: string }[] }[] }>("observability/alerts.yml");
    const jaeger = datasources.find((d) => d.type === "jaeger");
    const tracesToMetrics = jaeger?.jsonData?.tracesToMetrics as { queries: { query: string }[] } | undefined;
    const links = (tracesToMetrics?.queries ?? []).map((q) => q.query);
    expect(links.length).toBeGreaterThan(0);
    for (const expr of [...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)), ...links]) {
      for (const metric of metricNames(expr)) {
        expect({ expr, metric, known: ALLOWED_METRICS.has(metric) }).toEqual({ expr, metric, known: true });
      }
    }
  });

  test("every dashboard and Jaeger → metrics query is valid PromQL (promtool, as recording rules)", () => {
    const tracesToMetrics = datasources.find((d) => d.type === "jaeger")?.jsonData?.tracesToMetrics as
      | { queries: { query: string }[] }
      | undefined;
    const exprs = [
      ...dashboards.flatMap((f) => promExprs(JSON.parse(readFileSync(join(dashboardsDir, f), "utf8")))),
      ...(tracesToMetrics?.queries ?? []).map((q) => q.query),
    ].map((expr) =>
      // Grafana's variables, as Grafana would fill them in.
      expr.replaceAll("$$__tags", 'job="first"').replaceAll("$__rate_interval", "1m"),
    );
    const rules = {
      groups: [{ name: "grafana-queries", rules: exprs.map((expr, i) => ({ record: `grafana:query_${i}`, expr })) }],
    };
    const dir = mkdtempSync(join(tmpdir(), "twinbin-promql-"));
    try {
      const file = join(dir, "queries.yml");
      writeFileSync(file, JSON.stringify(rules)); // JSON is YAML
      const out = mustSucceed(tool("promtool", "prometheus"), ["check", "rules", file]);
      expect(out).toContain(`SUCCESS: ${exprs.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("Prometheus links exemplars to the Jaeger data source", () => {
    const prometheus = datasources.find((d) => d.type === "prometheus");
    expect(prometheus?.jsonData?.exemplarTraceIdDestinations).toEqual([{ name: "trace_id", datasourceUid: "jaeger" }]);
  });
});

test("every YAML file in observability/ parses", () => {
  const yamls = listFiles(OBS).filter((f) => /\.ya?ml$/.test(f));
  expect(yamls.length).toBeGreaterThan(8);
  for (const file of yamls) expect(() => readYaml(relative(ROOT, file))).not.toThrow();
});
