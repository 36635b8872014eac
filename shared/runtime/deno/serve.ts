// Serving on Deno: Deno.serve. Its shutdown() lets in-flight requests finish but then also waits for idle keep-alive
// connections to time out, so it is raced against "no request in flight (plus a moment to flush the last
// response)"; the process exits right after, which closes what is left. Aborting after shutdown() would throw
// inside Deno. Deno has no idle-timeout or body-cap setting, so those options are not used here.
import type { Listen } from "../types";
import { denoApi } from "./api";

export const listen: Listen = (handler, { port, hostname }) => {
  const abort = new AbortController();
  let inFlight = 0;
  let drained: (() => void) | undefined;
  let shuttingDown = false;
  const server = denoApi().serve(
    { port, hostname, signal: abort.signal, onListen: () => {} },
    async (request, info) => {
      inFlight++;
      try {
        return await handler(request, () => info.remoteAddr.hostname);
      } finally {
        inFlight--;
        if (inFlight === 0) drained?.();
      }
    },
  );
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
};
