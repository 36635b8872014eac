// What the fault scenarios share: the compiled binaries, one HTTPBin, a telemetry sink, and clean-up of everything
// they start, whatever happens.
import { binaries } from "../../support/binaries";
import { type Httpbin, startHttpbin } from "../../support/httpbin";
import { OtlpReceiver } from "../../support/otlp-receiver";
import { type Service, startBinary } from "../../support/processes";

/** TWINBIN_FAULTS_LONG=1: the long variants (a 60 s collector outage); the default is the CI length. */
export const LONG = process.env.TWINBIN_FAULTS_LONG === "1";

interface Stoppable {
  stop(signal?: NodeJS.Signals): Promise<unknown>;
}

const started: Stoppable[] = [];

/** Registers something to stop at the end of the run (services are SIGKILLed if still running). */
export function track<T extends Stoppable>(thing: T): T {
  started.push(thing);
  return thing;
}

export async function stopEverything(): Promise<void> {
  await Promise.allSettled(started.reverse().map((s) => s.stop("SIGKILL")));
  started.length = 0;
}

let httpbin: Promise<Httpbin> | undefined;
/** One HTTPBin for the scenarios that only need a healthy one. */
export const sharedHttpbin = () => {
  httpbin ??= startHttpbin().then(track);
  return httpbin;
};

/** A dedicated HTTPBin (a slow one is left with a backlog of sleeping requests). */
export const ownHttpbin = () => startHttpbin().then(track);

let sink: OtlpReceiver | undefined;
/** Where services export when the scenario is not about telemetry: a receiver that accepts everything. */
export function telemetrySink(): OtlpReceiver {
  sink ??= track(new OtlpReceiver().start());
  return sink;
}

/**
 * Starts a compiled service (in `cwd`, a fresh empty dir by default), exporting to the sink unless `env` says
 * otherwise.
 */
export async function start(which: "first" | "second", env: Record<string, string> = {}, cwd?: string) {
  const bins = await binaries();
  const service: Service = await startBinary(
    bins[which],
    { OTEL_EXPORTER_OTLP_ENDPOINT: telemetrySink().url, OTEL_BSP_SCHEDULE_DELAY: "500", ...env },
    cwd,
  );
  return track(service);
}

/** True while the process has not exited. */
export const alive = (service: Service) => service.child.exitCode === null && service.child.signalCode === null;

/** The PID of a started service. */
export function pid(service: Service): number {
  if (service.child.pid === undefined) throw new Error(`${service.name} has no pid`);
  return service.child.pid;
}
