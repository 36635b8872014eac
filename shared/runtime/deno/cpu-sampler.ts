// CPU sampling on Deno: V8's CPU profiler through node:inspector, its profile turned into sampled stacks.
import type { SampleCpu, SampledStack, StackFrame } from "../types";

interface V8ProfileNode {
  id: number;
  parent?: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

export interface V8Profile {
  nodes: V8ProfileNode[];
  /** Microseconds. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export const sampleCpu: SampleCpu = async (run, intervalMicros) => {
  const { Session } = await import("node:inspector");
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))),
    );
  try {
    await post("Profiler.enable");
    await post("Profiler.setSamplingInterval", { interval: intervalMicros });
    await post("Profiler.start");
    await run();
    const { profile } = await post<{ profile: V8Profile }>("Profiler.stop");
    return v8Stacks(profile);
  } finally {
    session.disconnect();
  }
};

/** Pseudo-frames V8 puts at the root or uses for time outside JavaScript. */
const NOT_JS = new Set(["(idle)", "(program)", "(garbage collector)", "(root)"]);

/** V8's profile is a call tree plus, per sample, a leaf node id and a time delta; turn it into stacks. */
export function v8Stacks(profile: V8Profile): SampledStack[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  let time = profile.startTime;
  return profile.samples.map((leaf, i) => {
    time += profile.timeDeltas[i] ?? 0;
    const frames: StackFrame[] = [];
    for (let id: number | undefined = leaf; id !== undefined; id = parentOf.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (!frame || NOT_JS.has(frame.functionName)) continue;
      frames.push({
        name: frame.functionName,
        file: frame.url.replace(/^file:\/\//, ""),
        line: frame.lineNumber + 1,
        column: frame.columnNumber + 1,
      });
    }
    return { timestamp: time / 1e6, frames };
  });
}
