// Converts Kubernetes' own OpenAPI v2 document (api/openapi-spec/swagger.json of the k8s.io/kubernetes Go module)
// into the standalone JSON schemas kubeconform reads, one per kind:
//
//   bun tools/k8s/openapi-to-jsonschema.ts <swagger.json> <out dir>
//   kubeconform -strict -schema-location '<out dir>/{{ .ResourceKind }}{{ .KindSuffix }}.json' …
//
// kubeconform cannot read swagger.json itself, and its bundled openapi2jsonschema.py converts CRDs only. Each
// schema has every $ref resolved inline (a type that contains itself is left open past the first level),
// `additionalProperties: false` wherever `properties` are listed (so unknown fields fail), int-or-string as
// string|integer and resource quantities as string|number. Files are named `{kind}-{group}-{version}.json`, lower
// case, with the core group dropped and the group cut at its first dot (networking.k8s.io → networking), which
// is kubeconform's {{ .KindSuffix }}.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

type Schema = { [key: string]: unknown };
interface Gvk {
  group: string;
  version: string;
  kind: string;
}

const REF_PREFIX = "#/definitions/";
const SPECIAL: Record<string, Schema> = {
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": { type: ["string", "integer"] },
  "io.k8s.apimachinery.pkg.api.resource.Quantity": { type: ["string", "number"] },
};

/** `{kind}-{group}-{version}` as kubeconform names it (lower case, core group dropped, group up to its first dot). */
export function schemaFileName({ group, version, kind }: Gvk): string {
  const shortGroup = group.split(".")[0] ?? "";
  return `${[kind, shortGroup, version].filter((part) => part !== "").join("-")}.json`.toLowerCase();
}

/** `definition` with every $ref inlined; `seen` holds the definitions being expanded (recursion stops there). */
export function inline(definitions: Record<string, Schema>, schema: Schema, seen: ReadonlySet<string> = new Set()) {
  const ref = schema.$ref;
  if (typeof ref === "string") {
    const name = ref.slice(REF_PREFIX.length);
    const special = SPECIAL[name];
    if (special) return { ...special, ...(schema.description ? { description: schema.description } : {}) };
    if (seen.has(name)) return {}; // recursive type (JSONSchemaProps): open from here down
    const target = definitions[name];
    if (!target) throw new Error(`unresolved $ref ${ref}`);
    return inline(definitions, target, new Set([...seen, name]));
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "x-kubernetes-group-version-kind") continue;
    if (key === "properties" && value && typeof value === "object") {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([name, property]) => [
          name,
          inline(definitions, property, seen),
        ]),
      );
    } else if ((key === "items" || key === "additionalProperties") && value && typeof value === "object") {
      out[key] = inline(definitions, value as Schema, seen);
    } else {
      out[key] = value;
    }
  }
  if (out.format === "int-or-string") {
    out.type = ["string", "integer"];
    delete out.format;
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** Every kind's schema from a swagger.json document, keyed by file name. */
export function convert(swagger: { definitions: Record<string, Schema> }): Map<string, Schema> {
  const schemas = new Map<string, Schema>();
  for (const [name, definition] of Object.entries(swagger.definitions)) {
    const gvks = definition["x-kubernetes-group-version-kind"] as Gvk[] | undefined;
    if (!gvks) continue;
    const schema = inline(swagger.definitions, definition, new Set([name]));
    for (const gvk of gvks) {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      // apiVersion and kind pinned to this kind, so a manifest cannot validate against a neighbour's schema.
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      schemas.set(schemaFileName(gvk), {
        $schema: "http://json-schema.org/schema#",
        ...schema,
        properties: {
          ...properties,
          apiVersion: { ...properties.apiVersion, type: "string", enum: [apiVersion] },
          kind: { ...properties.kind, type: "string", enum: [gvk.kind] },
        },
      });
    }
  }
  return schemas;
}

if (import.meta.main) {
  const [input, outDir] = process.argv.slice(2);
  if (!input || !outDir) {
    process.stderr.write("usage: openapi-to-jsonschema.ts <swagger.json> <out dir>\n");
    process.exit(2);
  }
  const schemas = convert(JSON.parse(readFileSync(input, "utf8")));
  mkdirSync(outDir, { recursive: true });
  for (const [file, schema] of schemas) writeFileSync(join(outDir, file), JSON.stringify(schema));
  process.stdout.write(`${schemas.size} schemas → ${outDir}\n`);
}
