// What the app learned while answering a request — the route that matched and the error a handler threw — for the
// telemetry wrapper around it. The app's fetch takes nothing but the Request, so the app writes these on the Request
// itself (two symbol-keyed slots: no allocation, no side table) and the wrapper reads them once the answer is ready.

const ROUTE = Symbol("twinbin.route");
const ERROR = Symbol("twinbin.error");

interface AnsweredRequest extends Request {
  [ROUTE]?: string;
  [ERROR]?: unknown;
}

/** Records the matched route template ("/fib/:n"). */
export function recordRoute(request: Request, route: string): void {
  (request as AnsweredRequest)[ROUTE] = route;
}

/** Records what a handler threw, as telemetry should see it (no request data in its message). */
export function recordError(request: Request, error: unknown): void {
  (request as AnsweredRequest)[ERROR] = error;
}

/** The matched route template, or undefined when no route matched. */
export const routeOf = (request: Request): string | undefined => (request as AnsweredRequest)[ROUTE];

/** The error recorded for this request, if any. */
export const errorOf = (request: Request): unknown => (request as AnsweredRequest)[ERROR];
