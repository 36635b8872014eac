import { describe, expect, test } from "bun:test";
import { firstConfig } from "../../first/config";
import { secondConfig } from "../../second/config";
import { checkOtel, otelSpec } from "../telemetry/settings";
import { ConfigError, type Env, parseConfig } from "./config";

const parseFirstConfig = (env: Env) => parseConfig(env, firstConfig);
const parseSecondConfig = (env: Env) => parseConfig(env, secondConfig);

describe("configuration", () => {
  test("defaults are the documented contract", () => {
    const first = parseFirstConfig({});
    expect({ ...first }).toMatchObject({
      PORT: 5000,
      HOST: "0.0.0.0",
      SECOND_URL: "http://localhost:5001",
      CHAIN_SLEEP_MAX_MS: 1000,
      FIB_MAX_N: 35,
      UPSTREAM_TIMEOUT_MS: 5000,
      DATABASE_TIMEOUT_MS: 5000,
      DATABASE_CONCURRENCY: 2,
      DEPLOY_ENV: "dev",
      DATABASE_URL: "file:data/first.db",
      LOG_LEVEL: "info",
      CPU_PROFILE_HZ: 100,
    });
    expect([first.ADMIN_PORT, first.ADMIN_HOST]).toEqual([undefined, undefined]);
    const second = parseSecondConfig({});
    expect({ ...second }).toMatchObject({
      PORT: 5001,
      HTTPBIN_URL: "https://httpbin.org",
      DATABASE_URL: "file:data/second.db",
    });
  });

  test("values from the environment are parsed", () => {
    const config = parseFirstConfig({ PORT: "8080", FIB_MAX_N: "0", DATABASE_URL: "libsql://db.example:8080" });
    expect([config.PORT, config.FIB_MAX_N, config.DATABASE_URL]).toEqual([8080, 0, "libsql://db.example:8080"]);
  });

  test.each([
    [{ PORT: "abc" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ ADMIN_PORT: "0" }, "ADMIN_PORT"],
    [{ ADMIN_PORT: "metrics" }, "ADMIN_PORT"],
    [{ FIB_MAX_N: "-1" }, "FIB_MAX_N"],
    [{ FIB_MAX_N: "2.5" }, "FIB_MAX_N"],
    [{ SECOND_URL: "not a url" }, "SECOND_URL"],
    [{ UPSTREAM_TIMEOUT_MS: "0" }, "UPSTREAM_TIMEOUT_MS"],
    [{ DATABASE_TIMEOUT_MS: "1.5" }, "DATABASE_TIMEOUT_MS"],
    [{ DATABASE_CONCURRENCY: "0" }, "DATABASE_CONCURRENCY"],
    [{ DATABASE_URL: "postgres://x/y" }, "DATABASE_URL"],
    [{ DATABASE_URL: "file:" }, "DATABASE_URL"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ CPU_PROFILE_HZ: "0" }, "CPU_PROFILE_HZ"],
    [{ CPU_PROFILE_HZ: "19.5" }, "CPU_PROFILE_HZ"],
    [{ CPU_PROFILE_HZ: "1001" }, "CPU_PROFILE_HZ"],
  ])("%p is rejected with one line naming %s", (env, name) => {
    let error: unknown;
    try {
      parseFirstConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain(`${name}=`);
    expect(message).not.toContain("\n");
  });

  test("several bad variables are all named in the one line", () => {
    expect(() => parseSecondConfig({ PORT: "x", HTTPBIN_URL: "::" })).toThrow(/PORT=.*; HTTPBIN_URL=/);
  });

  test("service and OpenTelemetry variables are validated together: one line names them all, secrets redacted", () => {
    const env = {
      PORT: "x",
      OTEL_TRACES_SAMPLER: "sometimes",
      OTEL_EXPORTER_OTLP_HEADERS: "not-a-pair-hunter2",
      OTEL_BSP_SCHEDULE_DELAY: "-5",
    };
    let message = "";
    try {
      parseConfig(env, { ...firstConfig, ...otelSpec }, checkOtel);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    for (const name of Object.keys(env)) expect(message).toContain(`${name}=`);
    expect(message).toContain("OTEL_EXPORTER_OTLP_HEADERS=[redacted]");
    expect(message).not.toContain("hunter2");
    expect(message).not.toContain("\n");
  });

  test("an empty variable counts as unset", () => {
    expect(parseFirstConfig({ PORT: "", DEPLOY_ENV: " " }).PORT).toBe(5000);
  });
});
