// The Helm chart, checked offline by the real tools (helm lint/template, kubeconform -strict against schemas from
// Kubernetes' own OpenAPI document, kube-score) and by assertions on the rendered objects.
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { firstConfig } from "../../first/config";
import { secondConfig } from "../../second/config";
import { otelSpec } from "../../shared/telemetry/settings";
import { builtBinary, envWithout, mustSucceed } from "../observability/helpers";
import {
  CHART,
  helmTemplate,
  type K8sObject,
  type K8sTools,
  k8sTools,
  PRODUCTION_VALUES,
  parseManifests,
  REPO,
  run,
} from "./tools";

let tools: K8sTools;

beforeAll(async () => {
  tools = await k8sTools();
}, 900_000);

const VALUE_SETS = [
  ["default values", [] as string[], join(CHART, "values.yaml")],
  ["production-like values", ["-f", PRODUCTION_VALUES], PRODUCTION_VALUES],
] as const;

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are checked field by field
type Any = any;

const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
function named(objects: K8sObject[], kind: string, suffix: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name.endsWith(`-${suffix}`));
  expect(found.map((o) => o.metadata.name)).toHaveLength(1);
  return found[0] as K8sObject;
}
const containerOf = (workload: K8sObject): Any => workload.spec.template.spec.containers[0];
const envOf = (container: Any): Record<string, Any> =>
  Object.fromEntries(container.env.map((e: Any) => [e.name, e.value ?? e.valueFrom]));
const yamlOf = (text: string): Any => Bun.YAML.parse(text);
/** The Collector's environment reference `${env:NAME}`, as written in its config files. */
const envRef = (name: string) => `\${env:${name}}`;

describe.each(VALUE_SETS)("chart with %s", (_label, args, valuesFile) => {
  let yaml: string;
  let objects: K8sObject[];
  let values: Any;

  beforeAll(() => {
    yaml = helmTemplate(tools, [...args]);
    objects = parseManifests(yaml);
    values = yamlOf(readFileSync(join(CHART, "values.yaml"), "utf8"));
    if (valuesFile !== join(CHART, "values.yaml")) values = mergeDeep(values, yamlOf(readFileSync(valuesFile, "utf8")));
  });

  test("helm lint --strict passes", () => {
    const result = run(tools.helm, ["lint", "--strict", CHART, ...args]);
    expect(result.stdout + result.stderr).toContain("1 chart(s) linted, 0 chart(s) failed");
    expect(result.code).toBe(0);
  });

  test("every object is valid against Kubernetes' schemas, unknown fields rejected (kubeconform -strict)", () => {
    const result = run(
      tools.kubeconform,
      [
        "-strict",
        "-summary",
        "-output",
        "text",
        "-schema-location",
        `${tools.schemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
        "-",
      ],
      yaml,
    );
    expect(result.stdout + result.stderr).toContain(`Summary: ${objects.length} resources found`);
    expect(result.stdout).toContain("Invalid: 0, Errors: 0, Skipped: 0");
    expect(result.code).toBe(0);
  });

  test("kube-score finds nothing (each exception is an annotation with its reason in the chart)", () => {
    // Besides the defaults, the optional checks that hold here: seccomp profile, declared ports, memory requests ==
    // limits. CPU requests stay below limits on purpose (bursts; the HPA scales on the request).
    const optional = ["container-seccomp-profile", "container-ports-check", "container-memory-requests-equal-limits"];
    const enable = optional.flatMap((check) => ["--enable-optional-test", check]);
    const result = run(tools.kubeScore, ["score", "--output-format", "ci", ...enable, "-"], yaml);
    const problems = result.stdout.split("\n").filter((line) => /^\[(CRITICAL|WARNING)\]/.test(line));
    expect(problems).toEqual([]);
    expect(result.code).toBe(0);
  });

  test.each(["first", "second"])("%s: rolling update never below desired, probes, preStop before the drain", (name) => {
    const deployment = named(objects, "Deployment", name);
    expect(deployment.spec.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    const container = containerOf(deployment);
    expect(container.startupProbe.httpGet).toEqual({ path: "/health", port: "http" });
    expect(container.livenessProbe.httpGet).toEqual({ path: "/health", port: "http" });
    expect(container.readinessProbe.httpGet).toEqual({ path: "/ready", port: "http" });
    const preStop = container.lifecycle.preStop.sleep.seconds;
    expect(preStop).toBe(values.shutdown.preStopSeconds);
    const env = envOf(container);
    const graceMs = Number(env.SHUTDOWN_GRACE_MS);
    expect(graceMs).toBe(values.shutdown.graceMs);
    // The kubelet's SIGKILL comes after the pause and the whole drain.
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
      preStop * 1000 + graceMs,
    );
  });

  test.each(["first", "second"])("%s: resources, non-root, read-only root, no escalation, no capabilities", (name) => {
    const deployment = named(objects, "Deployment", name);
    const pod = deployment.spec.template.spec;
    const container = containerOf(deployment);
    for (const bound of ["requests", "limits"]) {
      expect(Object.keys(container.resources[bound]).sort()).toEqual(["cpu", "ephemeral-storage", "memory"]);
    }
    expect(container.resources).toEqual(values.services[name].resources);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(10000);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    // Writable only through emptyDir volumes.
    const volumes = new Map(pod.volumes.map((v: Any) => [v.name, v]));
    for (const mount of container.volumeMounts) expect((volumes.get(mount.name) as Any).emptyDir).toBeDefined();
    expect(pod.topologySpreadConstraints.map((c: Any) => c.topologyKey)).toEqual([
      "kubernetes.io/hostname",
      "topology.kubernetes.io/zone",
    ]);
  });

  test.each(["first", "second"])("%s: HPA on CPU owns the replica count (≥ 2), PDB keeps all but one", (name) => {
    const deployment = named(objects, "Deployment", name);
    const hpa = named(objects, "HorizontalPodAutoscaler", name);
    expect(deployment.spec.replicas).toBeUndefined();
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: deployment.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.metrics).toEqual([
      {
        type: "Resource",
        resource: {
          name: "cpu",
          target: {
            type: "Utilization",
            averageUtilization: values.services[name].autoscaling.targetCPUUtilizationPercentage,
          },
        },
      },
    ]);
    const pdb = named(objects, "PodDisruptionBudget", name);
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: deployment.spec.selector.matchLabels } });
  });

  test.each(["first", "second"])(
    "%s: identity, telemetry to the node-local agent, sqld, admin port, secrets",
    (name) => {
      const deployment = named(objects, "Deployment", name);
      const container = containerOf(deployment);
      const env = envOf(container);
      expect(env.POD_NAME).toEqual({ fieldRef: { fieldPath: "metadata.name" } });
      expect(env.HOST_IP).toEqual({ fieldRef: { fieldPath: "status.hostIP" } });
      // $(NAME) expands only variables defined earlier in the list.
      const order = container.env.map((e: Any) => e.name);
      expect(order.indexOf("POD_NAME")).toBeLessThan(order.indexOf("OTEL_RESOURCE_ATTRIBUTES"));
      expect(order.indexOf("HOST_IP")).toBeLessThan(order.indexOf("OTEL_EXPORTER_OTLP_ENDPOINT"));
      expect(env.OTEL_RESOURCE_ATTRIBUTES).toStartWith("service.instance.id=$(POD_NAME),");
      expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(`http://$(HOST_IP):${values.collector.agent.otlpHttpPort}`);
      expect(env.DEPLOY_ENV).toBe(values.environment);
      const sqld = named(objects, "Service", "sqld");
      expect(env.DATABASE_URL).toBe(`http://${sqld.metadata.name}:${values.sqld.port}`);
      expect(env.DATABASE_AUTH_TOKEN).toEqual({
        secretKeyRef: {
          name: named(objects, "Secret", "secrets").metadata.name,
          key: "database-auth-token",
          optional: true,
        },
      });
      const adminPort = values.services[name].adminPort;
      expect(env.ADMIN_PORT).toBe(String(adminPort));
      expect(container.ports).toContainEqual({ name: "admin", containerPort: adminPort, protocol: "TCP" });
      expect(deployment.spec.template.metadata.annotations).toMatchObject({
        "prometheus.io/scrape": "true",
        "prometheus.io/port": String(adminPort),
        "prometheus.io/path": "/metrics",
      });
      if (name === "first")
        expect(env.SECOND_URL).toBe(
          `http://${named(objects, "Service", "second").metadata.name}:${values.services.second.port}`,
        );
      for (const [key, value] of Object.entries(values.services[name].env ?? {})) expect(env[key]).toBe(value);
    },
  );

  test("the Collector ConfigMaps hold observability/collector/*.yaml byte for byte", () => {
    for (const tier of ["agent", "gateway"]) {
      const configMap = named(objects, "ConfigMap", `collector-${tier}`);
      const file = readFileSync(join(REPO, "observability/collector", `${tier}.yaml`), "utf8");
      expect(configMap.data?.[`${tier}.yaml`]).toBe(file);
    }
  });

  test("agents route by trace id to every gateway behind the headless Service", () => {
    const agentConfig = yamlOf(named(objects, "ConfigMap", "collector-agent").data?.["agent.yaml"] ?? "");
    expect(agentConfig.exporters.loadbalancing.routing_key).toBe("traceID");
    expect(agentConfig.service.pipelines.traces.exporters).toEqual(["loadbalancing"]);
    const agent = named(objects, "DaemonSet", "collector-agent");
    const env = envOf(containerOf(agent));
    const gatewayService = named(objects, "Service", "collector-gateway");
    expect(gatewayService.spec.clusterIP).toBe("None");
    const gateway = named(objects, "Deployment", "collector-gateway");
    expect(gatewayService.spec.selector).toEqual(gateway.spec.selector.matchLabels);
    expect(yamlOf(env.OTELCOL_GATEWAY_RESOLVER)).toEqual({
      dns: { hostname: `${gatewayService.metadata.name}.shop.svc.cluster.local`, port: "4317", interval: "5s" },
    });
    const ports = containerOf(agent).ports.filter((p: Any) => p.hostPort);
    expect(ports.map((p: Any) => p.hostPort).sort()).toEqual([
      values.collector.agent.otlpGrpcPort,
      values.collector.agent.otlpHttpPort,
    ]);
  });

  test("gateways keep every error trace, every trace over the SLO, and the configured share of the rest", () => {
    const gatewayConfig = yamlOf(named(objects, "ConfigMap", "collector-gateway").data?.["gateway.yaml"] ?? "");
    const policies = gatewayConfig.processors.tail_sampling.policies;
    expect(policies).toEqual([
      { name: "errors", type: "status_code", status_code: { status_codes: ["ERROR"] } },
      { name: "slower-than-slo", type: "latency", latency: { threshold_ms: envRef("OTELCOL_SLOW_TRACE_MS") } },
      {
        name: "share-of-the-rest",
        type: "probabilistic",
        probabilistic: { sampling_percentage: envRef("OTELCOL_SAMPLE_PERCENT") },
      },
    ]);
    expect(gatewayConfig.service.pipelines.traces.processors).toEqual(["memory_limiter", "tail_sampling", "batch"]);
    const gateway = named(objects, "Deployment", "collector-gateway");
    expect(gateway.spec.replicas).toBe(values.collector.gateway.replicas);
    const env = envOf(containerOf(gateway));
    const sampling = values.collector.gateway.sampling;
    expect([env.OTELCOL_SLOW_TRACE_MS, env.OTELCOL_SAMPLE_PERCENT, env.OTELCOL_TAIL_DECISION_WAIT]).toEqual([
      String(sampling.slowTraceMs),
      String(sampling.samplePercent),
      sampling.decisionWait,
    ]);
    expect(env.OTELCOL_BACKEND_ENDPOINT).toBe(values.collector.backend.endpoint);
    const secret = named(objects, "Secret", "secrets");
    expect(env.OTELCOL_BACKEND_HEADERS).toEqual({
      secretKeyRef: { name: secret.metadata.name, key: "backend-otlp-headers" },
    });
    expect(yamlOf(secret.stringData?.["backend-otlp-headers"] ?? "")).toEqual(values.collector.backend.headers);
    // Headers never sit in a ConfigMap or an env value.
    for (const value of Object.values(values.collector.backend.headers as Record<string, string>)) {
      expect(byKind(objects, "ConfigMap").some((c) => JSON.stringify(c).includes(value))).toBe(false);
      expect(JSON.stringify(gateway)).not.toContain(value);
    }
  });

  test("sqld: a StatefulSet with a volume claim, its headless Service, non-root", () => {
    const sqld = named(objects, "StatefulSet", "sqld");
    const container = containerOf(sqld);
    expect(container.image).toStartWith("ghcr.io/tursodatabase/libsql-server:v0.24.32");
    expect(sqld.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe(values.sqld.storage.size);
    expect(container.volumeMounts).toContainEqual({ name: "data", mountPath: "/var/lib/sqld" });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(sqld.spec.serviceName).toBe(named(objects, "Service", "sqld").metadata.name);
  });

  test("NetworkPolicies: only first → second, services → agent → gateway, services → sqld, scrapers → admin", () => {
    const policies = new Map(
      byKind(objects, "NetworkPolicy").map((p) => [p.metadata.labels?.["app.kubernetes.io/component"], p.spec]),
    );
    const component = (peer: Any) => peer.podSelector?.matchLabels?.["app.kubernetes.io/component"];
    const from = (name: string, port: number) =>
      ((policies.get(name)?.ingress ?? []) as Any[])
        .filter((rule) => rule.ports.some((p: Any) => p.port === port))
        .flatMap((rule) =>
          (rule.from ?? [{ anyone: true }]).map((peer: Any) => component(peer) ?? (peer.anyone ? "*" : "scrapers")),
        );
    const services = values.services;
    expect(from("second", services.second.port)).toEqual(["first"]);
    expect(from("second", services.second.adminPort)).toEqual(["scrapers"]);
    expect(from("first", services.first.adminPort)).toEqual(["scrapers"]);
    expect(from("first", services.first.port)).toEqual(["*"]);
    expect(from("collector-agent", values.collector.agent.otlpHttpPort)).toEqual(["first", "second"]);
    expect(from("collector-gateway", 4317)).toEqual(["collector-agent"]);
    expect(from("sqld", values.sqld.port)).toEqual(["first", "second"]);
    for (const spec of policies.values()) expect(spec.policyTypes).toEqual(["Ingress", "Egress"]);
  });
});

test("the generated schemas reject an unknown field and a wrong type (so a pass above means something)", () => {
  const deployment = named(parseManifests(helmTemplate(tools)), "Deployment", "first");
  const validate = (object: unknown) =>
    run(
      tools.kubeconform,
      ["-strict", "-schema-location", `${tools.schemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`, "-"],
      JSON.stringify(object),
    );
  expect(validate(deployment).code).toBe(0);
  const unknownField = structuredClone(deployment);
  unknownField.spec.template.spec.containers[0].readinesProbe = {};
  expect(validate(unknownField).code).not.toBe(0);
  const wrongType = structuredClone(deployment);
  wrongType.spec.strategy.rollingUpdate.maxUnavailable = true;
  expect(validate(wrongType).code).not.toBe(0);
});

test("ServiceMonitor and PodMonitor only when the cluster serves the Prometheus Operator's CRDs", async () => {
  const plain = parseManifests(helmTemplate(tools));
  expect(plain.filter((o) => o.apiVersion.startsWith("monitoring.coreos.com"))).toEqual([]);
  const withCrds = parseManifests(
    helmTemplate(tools, [
      "--api-versions",
      "monitoring.coreos.com/v1/ServiceMonitor",
      "--api-versions",
      "monitoring.coreos.com/v1/PodMonitor",
    ]),
  );
  const monitors = withCrds.filter((o) => o.apiVersion === "monitoring.coreos.com/v1");
  expect(monitors.map((o) => o.kind).sort()).toEqual(["PodMonitor", "ServiceMonitor", "ServiceMonitor"]);
  for (const monitor of byKind(monitors, "ServiceMonitor")) expect(monitor.spec.endpoints[0].port).toBe("admin");
});

test("every configuration variable of both services can be set from values (and wins over the chart's)", () => {
  // Every variable a service validates: its own spec (with the shared one) and OpenTelemetry's.
  const names = (service: "first" | "second") => [
    ...Object.keys(service === "first" ? firstConfig : secondConfig),
    ...Object.keys(otelSpec),
  ];
  for (const service of ["first", "second"] as const) {
    const all = names(service);
    const args = all.flatMap((name) => ["--set-string", `services.${service}.env.${name}=from-values-${name}`]);
    const objects = parseManifests(helmTemplate(tools, args));
    const env = envOf(containerOf(named(objects, "Deployment", service)));
    for (const name of all) expect([name, env[name]]).toEqual([name, `from-values-${name}`]);
  }
});

test("the Collector binary accepts both configs, with the chart's and the native topology's settings", () => {
  const stackBin = join(process.env.TWINBIN_STACK_DIR ?? join(homedir(), ".cache/twinbin/stack"), "bin");
  const otelcol = builtBinary("OTELCOL_BIN", join(stackBin, "otelcol"));
  const common = {
    ...envWithout(["OTELCOL_"]),
    OTELCOL_LISTEN_HOST: "127.0.0.1",
    OTELCOL_OTLP_GRPC_PORT: "4317",
    OTELCOL_OTLP_HTTP_PORT: "4318",
    OTELCOL_HEALTH_PORT: "13133",
    OTELCOL_METRICS_PORT: "8888",
  };
  const cases: [string, Record<string, string>][] = [
    ["agent", { OTELCOL_GATEWAY_RESOLVER: "{dns: {hostname: gw.shop.svc.cluster.local, port: '4317', interval: 5s}}" }],
    ["agent", { OTELCOL_GATEWAY_RESOLVER: "{static: {hostnames: ['127.0.0.1:14317', '127.0.0.1:24317']}}" }],
    [
      "gateway",
      {
        OTELCOL_BACKEND_ENDPOINT: "127.0.0.1:14317",
        OTELCOL_BACKEND_INSECURE: "true",
        OTELCOL_BACKEND_HEADERS: '{"authorization":"Bearer x"}',
        OTELCOL_TAIL_DECISION_WAIT: "10s",
        OTELCOL_SLOW_TRACE_MS: "2500",
        OTELCOL_SAMPLE_PERCENT: "10",
      },
    ],
  ];
  for (const [tier, env] of cases) {
    mustSucceed(otelcol, ["validate", `--config=observability/collector/${tier}.yaml`], { ...common, ...env });
  }
  // And a broken setting is refused, so the passes above mean something.
  expect(() =>
    mustSucceed(otelcol, ["validate", "--config=observability/collector/agent.yaml"], {
      ...common,
      OTELCOL_GATEWAY_RESOLVER: "{static: {hostnames: []}, dns: {hostname: x}}",
    }),
  ).toThrow();
});

function mergeDeep(base: Any, over: Any): Any {
  if (typeof base !== "object" || typeof over !== "object" || base === null || over === null || Array.isArray(over))
    return over;
  const out = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = key in base ? mergeDeep(base[key], value) : value;
  return out;
}
