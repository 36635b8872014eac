/** The one JSON error shape every answer uses: `{"error":{"code","message"}}`. */
export interface ErrorBody {
  error: { code: string; message: string };
}

export const errorBody = (code: string, message: string): ErrorBody => ({ error: { code, message } });

/** An error that knows the HTTP status and stable code it maps to; anything else becomes a generic 500. */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const badRequest = (message: string) => new HttpError(400, "bad_request", message);
export const notFound = (message: string) => new HttpError(404, "not_found", message);
/** What a request no route matches answers. */
export const noRoute = () => notFound("no route matches this request");
/** What an unexpected failure answers: no detail, so nothing internal leaks. */
export const internalError = () => new HttpError(500, "internal", "internal error");

/** An HttpError as the JSON response a client gets. */
export const errorResponse = ({ status, code, message }: HttpError): Response =>
  Response.json(errorBody(code, message), { status });
