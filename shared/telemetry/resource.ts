import { randomUUID } from "node:crypto";
import { SDK_INFO } from "@opentelemetry/core";
import {
  detectResources,
  envDetector,
  hostDetector,
  osDetector,
  type Resource,
  resourceFromAttributes,
} from "@opentelemetry/resources";
import { runtimeInfo } from "../runtime/runtime";

/** This process's generated service.instance.id (replicas must be told apart); OTEL_RESOURCE_ATTRIBUTES overrides it. */
const GENERATED_INSTANCE_ID = randomUUID();

/** The attributes that tell one replica from another, also stamped on CPU profiles. */
export const IDENTITY_ATTRIBUTES = ["service.name", "service.instance.id", "deployment.environment.name"] as const;

/**
 * service.* (with a generated service.instance.id), deployment.environment.name, the true process.runtime.* (the
 * SDK's process detector says "nodejs" under Bun), host and OS basics, then OTEL_RESOURCE_ATTRIBUTES /
 * OTEL_SERVICE_NAME on top (the chart sets service.instance.id to the pod name there).
 */
export function serviceResource(serviceName: string, serviceVersion: string, deploymentEnvironment: string): Resource {
  const runtime = runtimeInfo();
  const { "process.runtime.name": _claimsNode, ...sdkInfo } = SDK_INFO;
  const own = resourceFromAttributes({
    ...sdkInfo,
    "service.name": serviceName,
    "service.version": serviceVersion,
    "service.instance.id": GENERATED_INSTANCE_ID,
    "deployment.environment.name": deploymentEnvironment,
    "process.runtime.name": runtime.name,
    "process.runtime.version": runtime.version,
    "process.runtime.description": runtime.description,
    "process.pid": process.pid,
    "process.executable.name": runtime.executableName,
  });
  const detected = detectResources({ detectors: [hostDetector, osDetector, envDetector] });
  return own.merge(detected).merge(resourceFromAttributes({ "service.name": serviceName }));
}

/** IDENTITY_ATTRIBUTES of `resource`, as strings. */
export function identityOf(resource: Resource): Record<string, string> {
  const identity: Record<string, string> = {};
  for (const key of IDENTITY_ATTRIBUTES) {
    const value = resource.attributes[key];
    if (value !== undefined && value !== null) identity[key] = String(value);
  }
  return identity;
}
