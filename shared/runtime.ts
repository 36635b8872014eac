// The one seam between runtimes: how a server starts and stops, and what the runtime is called. Nothing else in
// the services may call `Bun.*`.

/** Handles one request; `peer()` gives the client's IP as the runtime saw it (computed only if asked for). */
export type FetchHandler = (request: Request, peer: () => string | undefined) => Promise<Response>;

export interface ListenOptions {
  port: number;
  hostname: string;
  /** The transport's own body cap (the app enforces a smaller one with a JSON 413). */
  maxRequestBodySize: number;
  /** Paths whose responses may take longer than the idle timeout (a 60 s CPU profile). */
  longRunningPaths?: readonly string[];
}

/** Seconds a connection may stay silent: bounds slow and held-open clients. */
const IDLE_TIMEOUT_SECONDS = 30;

export interface Listener {
  readonly port: number;
  /** Stops accepting; resolves when in-flight requests are done (or at once, cut off, when `force`). */
  stop(force: boolean): Promise<void>;
}

export function listen(handler: FetchHandler, options: ListenOptions): Listener {
  const { port, hostname, maxRequestBodySize, longRunningPaths = [] } = options;
  const server = Bun.serve({
    port,
    hostname,
    // A stale process must not silently share the port (Bun's reusePort would allow it).
    reusePort: false,
    maxRequestBodySize,
    idleTimeout: IDLE_TIMEOUT_SECONDS,
    development: false,
    fetch: (request, server) => {
      if (longRunningPaths.length > 0) {
        const path = request.url.slice(request.url.indexOf("/", request.url.indexOf("//") + 2)).split("?")[0] ?? "";
        if (longRunningPaths.includes(path)) server.timeout(request, 0);
      }
      return handler(request, () => server.requestIP(request)?.address);
    },
  });
  return {
    port: server.port ?? port,
    stop: (force) => server.stop(force),
  };
}

export interface RuntimeInfo {
  name: string;
  version: string;
  description: string;
  executableName: string;
}

/** What runs this process, for telemetry's process.runtime.* (told truthfully: "bun", not "nodejs"). */
export function runtimeInfo(): RuntimeInfo {
  return {
    name: "bun",
    version: Bun.version,
    description: `Bun ${Bun.version} (${Bun.revision.slice(0, 9)})`,
    executableName: process.execPath.split("/").pop() ?? "bun",
  };
}

export interface SampledStack {
  /** Seconds on a monotonic clock; only differences matter. */
  timestamp: number;
  /** Innermost frame first. */
  frames: { name: string; file: string; line: number; column: number }[];
}

const UNKNOWN = 4294967295;

/**
 * Samples the JavaScript thread's stack every `intervalMicros` while `run` is pending, with JavaScriptCore's
 * sampling profiler (`bun:jsc`), which also works inside a compiled binary. Only one may run at a time.
 */
export async function sampleCpu(run: () => Promise<void>, intervalMicros: number): Promise<SampledStack[]> {
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
