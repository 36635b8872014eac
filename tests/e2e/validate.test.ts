// The Collector's and Jaeger's own `validate` on observability/otelcol.yaml and jaeger.yaml, with the native
// defaults and with compose.yaml's environment. Needs the binaries tools/stack/install.sh builds, so it belongs
// to this tier (`npm run test:e2e` runs install.sh first; it reuses what is already built).
import { describe, test } from "bun:test";
import { homedir } from "node:os";
import { posix } from "node:path";
import { builtBinary, composeService, envWithout, mustSucceed } from "../observability/helpers";
import { e2eEnabled } from "./enabled";

// Where tools/stack/install.sh puts them.
const stackBin = posix.join(process.env.TWINBIN_STACK_DIR ?? posix.join(homedir(), ".cache/twinbin/stack"), "bin");
const collector = () => builtBinary("OTELCOL_BIN", posix.join(stackBin, "otelcol"));
const jaeger = () => builtBinary("JAEGER_BIN", posix.join(stackBin, "jaeger"));

describe.skipIf(!e2eEnabled(import.meta.path))("Collector and Jaeger (their own validate)", () => {
  test("otelcol validate, native defaults", () => {
    mustSucceed(collector(), ["validate", "--config", "observability/otelcol.yaml"], envWithout(["OTELCOL_"]));
  });

  test("otelcol validate, with compose.yaml's environment", () => {
    const env = { ...envWithout(["OTELCOL_"]), ...composeService("otel-collector").environment };
    mustSucceed(collector(), ["validate", "--config", "observability/otelcol.yaml"], env);
  });

  test("jaeger validate, native defaults and compose.yaml's environment", () => {
    mustSucceed(jaeger(), ["validate", "--config", "observability/jaeger.yaml"], envWithout(["JAEGER_"]));
    const env = { ...envWithout(["JAEGER_"]), ...composeService("jaeger").environment };
    mustSucceed(jaeger(), ["validate", "--config", "observability/jaeger.yaml"], env);
  });
});
