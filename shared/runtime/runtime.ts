// The one seam between runtimes. Each job has its own module per runtime (bun/, deno/: serve, info, cpu-sampler)
// behind the types in types.ts; this file picks the set for the runtime we are on. Everything else in the services
// is runtime-neutral: nothing outside shared/runtime/ may call `Bun.*` or `Deno.*`.

import * as bunSampler from "./bun/cpu-sampler";
import * as bunInfo from "./bun/info";
import * as bunServe from "./bun/serve";
import { deno } from "./deno/api";
import * as denoSampler from "./deno/cpu-sampler";
import * as denoInfo from "./deno/info";
import * as denoServe from "./deno/serve";
import type { Listen, RuntimeInfo, SampleCpu } from "./types";

export type { FetchHandler, Listener, ListenOptions, RuntimeInfo, SampledStack, StackFrame } from "./types";

const adapter = deno
  ? { listen: denoServe.listen, runtimeInfo: denoInfo.runtimeInfo, sampleCpu: denoSampler.sampleCpu }
  : { listen: bunServe.listen, runtimeInfo: bunInfo.runtimeInfo, sampleCpu: bunSampler.sampleCpu };

/** Starts a server for `handler`; see ListenOptions. */
export const listen: Listen = adapter.listen;

/** What runs this process, for telemetry's process.runtime.* (told truthfully: "bun" or "deno", not "nodejs"). */
export const runtimeInfo: () => RuntimeInfo = adapter.runtimeInfo;

/**
 * Samples the JavaScript thread's stack every `intervalMicros` while `run` is pending: JavaScriptCore's sampler on
 * Bun, V8's through node:inspector on Deno. Only one may run at a time.
 */
export const sampleCpu: SampleCpu = adapter.sampleCpu;
