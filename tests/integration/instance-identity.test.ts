// Replicas are told apart: service.instance.id and deployment.environment.name on spans, on /metrics' target_info
// and on CPU profiles — generated per process, or given (the pod name) through OTEL_RESOURCE_ATTRIBUTES.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeProfile } from "../../shared/profiling/decode";
import { OtlpReceiver } from "../support/otlp-receiver";
import { type Service, startBinary } from "../support/processes";
import { launchers, SETUP_TIMEOUT_MS } from "../support/services";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const receiver = new OtlpReceiver().start();
const running: Service[] = [];
let first: string[];

async function start(env: Record<string, string>) {
  const service = await startBinary(first, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: "100",
    DEPLOY_ENV: "staging",
    ...env,
  });
  running.push(service);
  return service;
}

/** The resource of the first exported span whose `http.route` is `route`, after one request to `url`. */
async function resourceAfter(url: string, route: string) {
  expect((await fetch(url)).status).toBe(200);
  const served = () => receiver.spans.filter((s) => s.attributes["http.route"] === route);
  await receiver.waitFor(() => served().length > 0);
  return served()[0]?.resource ?? {};
}

beforeAll(async () => {
  first = (await launchers()).first;
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all(running.map((s) => s.stop("SIGKILL")));
  await receiver.stop();
});

describe("service.instance.id and deployment.environment.name", () => {
  test("each process generates its own instance id; DEPLOY_ENV names the environment", async () => {
    const [a, b] = await Promise.all([start({}), start({})]);
    const ofA = await resourceAfter(`${a.url}/fib/3`, "/fib/:n");
    receiver.spans.length = 0;
    const ofB = await resourceAfter(`${b.url}/fib/3`, "/fib/:n");
    expect(ofA["service.instance.id"]).toMatch(UUID);
    expect(ofB["service.instance.id"]).toMatch(UUID);
    expect(ofA["service.instance.id"]).not.toBe(ofB["service.instance.id"]);
    expect([ofA["deployment.environment.name"], ofB["deployment.environment.name"]]).toEqual(["staging", "staging"]);
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toContain(`service_instance_id="${ofA["service.instance.id"]}"`);
  });

  test("an instance id given in OTEL_RESOURCE_ATTRIBUTES (the pod name) is on spans, target_info and profiles", async () => {
    receiver.spans.length = 0;
    const pod = "first-6d4f9b7c8-x2k9q";
    const service = await start({ OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${pod}` });
    const resource = await resourceAfter(`${service.url}/fib/3`, "/fib/:n");
    expect(resource["service.instance.id"]).toBe(pod);
    expect(resource["deployment.environment.name"]).toBe("staging");

    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    const targetInfo = metrics.split("\n").find((line) => line.startsWith("target_info{")) ?? "";
    expect(targetInfo).toContain(`service_instance_id="${pod}"`);
    expect(targetInfo).toContain('deployment_environment_name="staging"');

    // Work for the sampler until the profile is answered.
    const profiling = fetch(`${service.url}/debug/pprof/profile?seconds=2`);
    let answered = false;
    const stop = () => {
      answered = true;
    };
    profiling.then(stop, stop);
    while (!answered) await (await fetch(`${service.url}/fib/22`)).arrayBuffer();
    const profile = decodeProfile(new Uint8Array(await (await profiling).arrayBuffer()));
    expect(profile.comments).toEqual([
      "service.name=first",
      `service.instance.id=${pod}`,
      "deployment.environment.name=staging",
    ]);
    expect(profile.labels.length).toBeGreaterThan(0);
    for (const labels of profile.labels) {
      expect(labels).toMatchObject({ "service.instance.id": pod, "deployment.environment.name": "staging" });
    }
  });
});
