import { HttpError } from "./errors";

export const bodyTooLarge = (limit: number) =>
  new HttpError(413, "body_too_large", `request bodies are limited to ${limit} bytes`);

/** Reads a body stream, giving up as soon as it grows past `limit` (covers chunked bodies with no length). */
export async function readBodyLimited(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw bodyTooLarge(limit);
    }
    chunks.push(value);
  }
  const joined = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Deepest array/object nesting accepted: far beyond any route's schema, far below what overflows the stack. */
export const MAX_JSON_DEPTH = 64;

/** True if arrays/objects in `text` (strings skipped) nest deeper than `limit`. */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      // A backslash escapes the next character; a quote ends the string.
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

/**
 * Parses a JSON request body within `limit` bytes; every failure is a 4xx HttpError. A request without a body
 * (none declared, or an empty stream, as Deno presents a bodiless POST) yields undefined, which a route's body
 * schema then rejects and a body-less route ignores.
 */
export async function parseJsonBody(request: Request, limit: number): Promise<unknown> {
  if (request.headers.get("content-length") === "0" || request.body === null) return undefined;
  const bytes = await readBodyLimited(request.body, limit);
  if (bytes.byteLength === 0) return undefined;
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
    throw new HttpError(415, "unsupported_media_type", "send the body as application/json");
  }
  let value: unknown;
  let text: string;
  try {
    text = decoder.decode(bytes);
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, "invalid_body", "the request body is not valid UTF-8 JSON");
  }
  // Validating a very deep value overflows the stack inside Elysia (a 500), so such bodies are refused here.
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new HttpError(400, "invalid_body", `the request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return value;
}
