import { errorResponse, noRoute } from "../http/errors";
import type { FetchHandler } from "../runtime/runtime";

/**
 * With ADMIN_PORT set, the operational endpoints (`/metrics`, `/debug/pprof/*`) are served only on the admin
 * listener, so a public client can neither read every series nor start a CPU profile; each listener answers the
 * other's paths 404 (the app's own "no route" body).
 */
export function isAdminPath(url: string): boolean {
  // Cheap pre-check: the public hot path parses no URL unless it could be an admin path.
  if (!url.includes("/metrics") && !url.includes("/debug/pprof")) return false;
  const path = new URL(url).pathname;
  return path === "/metrics" || path === "/debug/pprof" || path.startsWith("/debug/pprof/");
}

const noRouteResponse = () => errorResponse(noRoute());

/** The public listener's handler: everything except the operational endpoints. */
export const publicOnly =
  (handler: FetchHandler): FetchHandler =>
  (request, peer) =>
    isAdminPath(request.url) ? Promise.resolve(noRouteResponse()) : handler(request, peer);

/** The admin listener's handler: the operational endpoints only. */
export const adminOnly =
  (handler: FetchHandler): FetchHandler =>
  (request, peer) =>
    isAdminPath(request.url) ? handler(request, peer) : Promise.resolve(noRouteResponse());
