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

/**
 * service.*, the true process.runtime.* (the SDK's process detector says "nodejs" under Bun), host and OS
 * basics, then OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME on top.
 */
export function serviceResource(serviceName: string, serviceVersion: string): Resource {
  const runtime = runtimeInfo();
  const { "process.runtime.name": _claimsNode, ...sdkInfo } = SDK_INFO;
  const own = resourceFromAttributes({
    ...sdkInfo,
    "service.name": serviceName,
    "service.version": serviceVersion,
    "process.runtime.name": runtime.name,
    "process.runtime.version": runtime.version,
    "process.runtime.description": runtime.description,
    "process.pid": process.pid,
    "process.executable.name": runtime.executableName,
  });
  const detected = detectResources({ detectors: [hostDetector, osDetector, envDetector] });
  return own.merge(detected).merge(resourceFromAttributes({ "service.name": serviceName }));
}
