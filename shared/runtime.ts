// The one seam between runtimes: how a server starts and stops, and what the runtime is called. Nothing else in
// the services may call `Bun.*`.

/** Handles one request; `clientAddress` is the peer's IP as the runtime saw it. */
export type FetchHandler = (request: Request, clientAddress: string | undefined) => Promise<Response>;

export interface ListenOptions {
  port: number;
  hostname: string;
  /** The transport's own body cap (the app enforces a smaller one with a JSON 413). */
  maxRequestBodySize: number;
}

export interface Listener {
  readonly port: number;
  /** Stops accepting; resolves when in-flight requests are done (or at once, cut off, when `force`). */
  stop(force: boolean): Promise<void>;
}

export function listen(handler: FetchHandler, { port, hostname, maxRequestBodySize }: ListenOptions): Listener {
  const server = Bun.serve({
    port,
    hostname,
    // A stale process must not silently share the port (Bun's reusePort would allow it).
    reusePort: false,
    maxRequestBodySize,
    idleTimeout: 30,
    development: false,
    fetch: (request, server) => handler(request, server.requestIP(request)?.address),
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
