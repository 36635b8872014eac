import { describe, expect, test } from "bun:test";
import { convert, schemaFileName } from "./openapi-to-jsonschema";

const swagger = {
  definitions: {
    "io.k8s.api.apps.v1.Deployment": {
      type: "object",
      properties: {
        apiVersion: { type: "string" },
        kind: { type: "string" },
        spec: { $ref: "#/definitions/io.k8s.api.apps.v1.DeploymentSpec", description: "the spec" },
      },
      "x-kubernetes-group-version-kind": [{ group: "apps", version: "v1", kind: "Deployment" }],
    },
    "io.k8s.api.apps.v1.DeploymentSpec": {
      type: "object",
      required: ["selector"],
      properties: {
        maxUnavailable: { $ref: "#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString" },
        memory: { $ref: "#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity" },
        labels: { type: "object", additionalProperties: { type: "string" } },
        nested: { $ref: "#/definitions/io.k8s.api.apps.v1.Nested" },
      },
    },
    "io.k8s.api.apps.v1.Nested": {
      type: "object",
      properties: { again: { $ref: "#/definitions/io.k8s.api.apps.v1.Nested" } },
    },
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": { type: "string", format: "int-or-string" },
    "io.k8s.apimachinery.pkg.api.resource.Quantity": { type: "string" },
    "io.k8s.api.core.v1.Pod": {
      type: "object",
      properties: { kind: { type: "string" } },
      "x-kubernetes-group-version-kind": [{ group: "", version: "v1", kind: "Pod" }],
    },
  },
};

describe("openapi-to-jsonschema", () => {
  test("file names follow kubeconform's {kind}{kindSuffix}", () => {
    expect(schemaFileName({ group: "", version: "v1", kind: "Pod" })).toBe("pod-v1.json");
    expect(schemaFileName({ group: "networking.k8s.io", version: "v1", kind: "NetworkPolicy" })).toBe(
      "networkpolicy-networking-v1.json",
    );
    expect(schemaFileName({ group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler" })).toBe(
      "horizontalpodautoscaler-autoscaling-v2.json",
    );
  });

  test("refs inlined, unknown fields closed, int-or-string and quantities typed, recursion left open", () => {
    const schemas = convert(swagger);
    expect([...schemas.keys()].sort()).toEqual(["deployment-apps-v1.json", "pod-v1.json"]);
    // biome-ignore lint/suspicious/noExplicitAny: a generated schema, read field by field
    const deployment = schemas.get("deployment-apps-v1.json") as Record<string, any>;
    expect(deployment.additionalProperties).toBe(false);
    expect(deployment.properties.apiVersion.enum).toEqual(["apps/v1"]);
    expect(deployment.properties.kind.enum).toEqual(["Deployment"]);
    const spec = deployment.properties.spec;
    expect(spec.additionalProperties).toBe(false);
    expect(spec.required).toEqual(["selector"]);
    expect(spec.properties.maxUnavailable.type).toEqual(["string", "integer"]);
    expect(spec.properties.memory.type).toEqual(["string", "number"]);
    expect(spec.properties.labels.additionalProperties).toEqual({ type: "string" });
    expect(spec.properties.nested.properties.again).toEqual({});
    expect(JSON.stringify(deployment)).not.toContain("$ref");
  });
});
