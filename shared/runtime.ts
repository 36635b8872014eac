import type { AnyElysia } from "elysia";

/** The one seam between runtimes: how a server starts and stops. Nothing else may call `Bun.*`. */
export interface Listener {
  readonly port: number;
  /** Stops accepting; resolves when in-flight requests are done (or at once, cut off, when `force`). */
  stop(force: boolean): Promise<void>;
}

export function listen(app: AnyElysia, port: number, hostname: string): Listener {
  app.listen({ port, hostname });
  const server = app.server;
  if (!server) throw new Error("server did not start");
  return {
    port: server.port ?? port,
    stop: (force) => server.stop(force),
  };
}
