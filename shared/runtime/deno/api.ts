// The few Deno APIs used, typed here so that Bun's types stay the only ambient ones.

export interface DenoServer {
  finished: Promise<void>;
  addr: { port: number };
  shutdown(): Promise<void>;
}

export interface DenoApi {
  version: { deno: string; v8: string };
  serve(
    options: { port: number; hostname: string; signal: AbortSignal; onListen?: () => void },
    handler: (request: Request, info: { remoteAddr: { hostname: string } }) => Response | Promise<Response>,
  ): DenoServer;
}

/** The Deno namespace when running under Deno, else undefined. */
export const deno = (globalThis as { Deno?: DenoApi }).Deno;

/** The Deno namespace; only called on Deno. */
export function denoApi(): DenoApi {
  if (!deno) throw new Error("not running under Deno");
  return deno;
}
