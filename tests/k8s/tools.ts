// The Kubernetes checking tools (tools/k8s/install.sh), the schemas generated from Kubernetes' OpenAPI document,
// and helpers to render the chart and read the result.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { convert } from "../../tools/k8s/openapi-to-jsonschema";

export const REPO = join(import.meta.dir, "../..");
export const CHART = join(REPO, "deploy/helm/twinbin");
export const PRODUCTION_VALUES = join(CHART, "ci/production-values.yaml");

export interface K8sTools {
  helm: string;
  kubeconform: string;
  kubeScore: string;
  /** Directory of `{kind}-{group}-{version}.json` schemas for K8S_VERSION. */
  schemas: string;
  version: string;
}

let tools: K8sTools | undefined;

/** Installs (or finds, cached) the pinned tools and generates the schemas once per cache. */
export async function k8sTools(): Promise<K8sTools> {
  if (tools) return tools;
  const output = execFileSync("bash", [join(REPO, "tools/k8s/install.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const vars = Object.fromEntries(
    output
      .split("\n")
      .filter((line) => /^[A-Z0-9_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  const need = (name: string) => {
    const value = vars[name];
    if (!value) throw new Error(`tools/k8s/install.sh printed no ${name}`);
    return value;
  };
  const version = need("K8S_VERSION");
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "twinbin", "k8s-schemas", version);
  if (!existsSync(cache) || readdirSync(cache).length === 0) {
    mkdirSync(cache, { recursive: true });
    const swagger = JSON.parse(await Bun.file(need("K8S_SWAGGER")).text());
    for (const [file, schema] of convert(swagger)) await Bun.write(join(cache, file), JSON.stringify(schema));
  }
  tools = {
    helm: need("HELM"),
    kubeconform: need("KUBECONFORM"),
    kubeScore: need("KUBE_SCORE"),
    schemas: cache,
    version,
  };
  return tools;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], input?: string): Run {
  const result = spawnSync(command, args, { encoding: "utf8", input, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** `helm template` of the chart for the schemas' Kubernetes version; throws with helm's message when it fails. */
export function helmTemplate(tools: K8sTools, args: string[] = []): string {
  const result = run(tools.helm, [
    "template",
    "twinbin",
    CHART,
    "--namespace",
    "shop",
    "--kube-version",
    tools.version,
    ...args,
  ]);
  if (result.code !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return result.stdout;
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are checked field by field in the tests
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
};

export function parseManifests(yaml: string): K8sObject[] {
  const parsed = Bun.YAML.parse(yaml) as unknown;
  const docs = Array.isArray(parsed) ? parsed : [parsed];
  return docs.filter((doc): doc is K8sObject => doc !== null && typeof doc === "object");
}
