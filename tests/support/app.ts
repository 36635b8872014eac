import { join } from "node:path";
import type { ServiceSpec } from "../../shared/config/config";
import { prepareService, type ServiceDefinition } from "../../shared/service/start-service";
import { emptyDir } from "./processes";

/**
 * A service prepared by the real start sequence (everything `startService` does but listen), on a fresh libSQL file,
 * telemetry off and a silent log; `handle(request)` goes through the same wrapper the listener calls. `close()` runs
 * what shutdown runs after the listener has stopped (closes the database): call it in the test file's afterAll.
 */
export async function appUnderTest<C extends ServiceSpec, S extends Record<string, unknown>>(
  definition: ServiceDefinition<C, S>,
  env: Record<string, string> = {},
) {
  const service = await prepareService(definition, {
    DATABASE_URL: `file:${join(emptyDir(), "test.db")}`,
    OTEL_SDK_DISABLED: "true",
    LOG_LEVEL: "silent",
    ...env,
  });
  const handle = (request: Request) => service.handler(request, () => "127.0.0.1");
  const close = async () => {
    for (const closer of service.closers) await closer();
  };
  return { ...service, handle, close };
}

export const jsonRequest = (method: string, path: string, body: unknown) =>
  new Request(`http://localhost${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
