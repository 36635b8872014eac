// The one seam between runtimes: how a server starts and stops, what the runtime is called, and how the CPU is
// sampled. Everything else in the services is runtime-neutral; nothing else may call `Bun.*` or `Deno.*`.

/** Handles one request; `peer()` gives the client's IP as the runtime saw it (computed only if asked for). */
export type FetchHandler = (request: Request, peer: () => string | undefined) => Promise<Response>;

export interface ListenOptions {
  port: number;
  hostname: string;
  /** The transport's own body cap (the app enforces a smaller one with a JSON 413). Bun only. */
  maxRequestBodySize: number;
  /** Paths whose responses may take longer than the idle timeout (a 60 s CPU profile). */
  longRunningPaths?: readonly string[];
}

export interface Listener {
  readonly port: number;
  /** Stops accepting; resolves when in-flight requests are done (or at once, cut off, when `force`). */
  stop(force: boolean): Promise<void>;
}

export interface RuntimeInfo {
  name: "bun" | "deno";
  version: string;
  description: string;
  executableName: string;
}

export interface SampledStack {
  /** Seconds on a monotonic clock; only differences matter. */
  timestamp: number;
  /** Innermost frame first. */
  frames: { name: string; file: string; line: number; column: number }[];
}

// The few Deno APIs used, typed here so that Bun's types stay the only ambient ones.
interface DenoServer {
  finished: Promise<void>;
  addr: { port: number };
  shutdown(): Promise<void>;
}
interface DenoApi {
  version: { deno: string; v8: string };
  execPath(): string;
  serve(
    options: { port: number; hostname: string; signal: AbortSignal; onListen?: () => void },
    handler: (request: Request, info: { remoteAddr: { hostname: string } }) => Response | Promise<Response>,
  ): DenoServer;
}
const deno = (globalThis as { Deno?: DenoApi }).Deno;

/** Seconds a connection may stay silent: bounds slow and held-open clients (Bun; Deno has no such setting). */
const IDLE_TIMEOUT_SECONDS = 30;

function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const query = url.indexOf("?", start);
  return url.slice(start, query < 0 ? undefined : query);
}

export function listen(handler: FetchHandler, options: ListenOptions): Listener {
  const { port, hostname, maxRequestBodySize, longRunningPaths = [] } = options;
  if (deno) {
    // Deno's shutdown() lets in-flight requests finish but then also waits for idle keep-alive connections to time
    // out, so it is raced against "no request in flight (plus a moment to flush the last response)"; the process
    // exits right after, which closes what is left. Aborting after shutdown() would throw inside Deno.
    const abort = new AbortController();
    let inFlight = 0;
    let drained: (() => void) | undefined;
    let shuttingDown = false;
    const server = deno.serve({ port, hostname, signal: abort.signal, onListen: () => {} }, async (request, info) => {
      inFlight++;
      try {
        return await handler(request, () => info.remoteAddr.hostname);
      } finally {
        inFlight--;
        if (inFlight === 0) drained?.();
      }
    });
    return {
      port: server.addr.port,
      async stop(force) {
        if (force) {
          if (!shuttingDown) abort.abort();
          return;
        }
        shuttingDown = true;
        const idle = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (drained = resolve));
        const flushed = idle.then(() => new Promise((resolve) => setTimeout(resolve, 250)));
        await Promise.race([server.shutdown(), flushed]);
      },
    };
  }
  let stopping = false;
  // Once stopping, every response closes its connection. Otherwise Bun ends a keep-alive connection right after the
  // in-flight response it was waiting for, and the request the client has meanwhile sent on it is reset unanswered.
  const closingWhenStopping = (response: Response) => (stopping ? withConnectionClose(response) : response);
  const server = Bun.serve({
    port,
    hostname,
    // A stale process must not silently share the port (Bun's reusePort would allow it).
    reusePort: false,
    maxRequestBodySize,
    idleTimeout: IDLE_TIMEOUT_SECONDS,
    development: false,
    fetch: (request, server) => {
      if (longRunningPaths.length > 0 && longRunningPaths.includes(pathOf(request.url))) server.timeout(request, 0);
      return handler(request, () => server.requestIP(request)?.address).then(closingWhenStopping);
    },
  });
  return {
    port: server.port ?? port,
    stop: (force) => {
      stopping = true;
      return server.stop(force);
    },
  };
}

/** `response` with `Connection: close` (a copy when its headers are immutable, as a fetch() response's are). */
function withConnectionClose(response: Response): Response {
  try {
    response.headers.set("connection", "close");
    return response;
  } catch {
    const headers = new Headers(response.headers);
    headers.set("connection", "close");
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}

/** What runs this process, for telemetry's process.runtime.* (told truthfully: "bun" or "deno", not "nodejs"). */
export function runtimeInfo(): RuntimeInfo {
  const executableName = process.execPath.split("/").pop() ?? "";
  if (deno) {
    return {
      name: "deno",
      version: deno.version.deno,
      description: `Deno ${deno.version.deno} (V8 ${deno.version.v8})`,
      executableName,
    };
  }
  return {
    name: "bun",
    version: Bun.version,
    description: `Bun ${Bun.version} (${Bun.revision.slice(0, 9)})`,
    executableName,
  };
}

const UNKNOWN = 4294967295;

/**
 * Samples the JavaScript thread's stack every `intervalMicros` while `run` is pending. Bun: JavaScriptCore's
 * sampling profiler (`bun:jsc`, also inside a compiled binary). Deno: V8's CPU profiler through node:inspector.
 * Only one may run at a time.
 */
export async function sampleCpu(run: () => Promise<void>, intervalMicros: number): Promise<SampledStack[]> {
  if (deno) return sampleCpuV8(run, intervalMicros);
  const { profile } = await import("bun:jsc");
  const result = await profile(run, intervalMicros);
  return result.stackTraces.traces.map((trace) => ({
    timestamp: trace.timestamp,
    frames: trace.frames.map((frame) => ({
      name: frame.name,
      file: frame.sourceURL ?? "",
      line: frame.line === UNKNOWN ? 0 : frame.line,
      column: frame.column === UNKNOWN ? 0 : frame.column,
    })),
  }));
}

interface V8ProfileNode {
  id: number;
  parent?: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface V8Profile {
  nodes: V8ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

async function sampleCpuV8(run: () => Promise<void>, intervalMicros: number): Promise<SampledStack[]> {
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
}

/** V8's profile is a call tree plus, per sample, a leaf node id and a time delta; turn it into stacks. */
function v8Stacks(profile: V8Profile): SampledStack[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const IDLE = new Set(["(idle)", "(program)", "(garbage collector)", "(root)"]);
  let time = profile.startTime;
  return profile.samples.map((leaf, i) => {
    time += profile.timeDeltas[i] ?? 0;
    const frames = [];
    for (let id: number | undefined = leaf; id !== undefined; id = parentOf.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (!frame || IDLE.has(frame.functionName)) continue;
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
