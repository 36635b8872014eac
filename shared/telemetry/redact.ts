import type { Attributes } from "@opentelemetry/api";

const REDACTED = "REDACTED";

/** Headers whose values are credentials: never recorded, even when listed for capture. */
const CREDENTIAL_HEADER =
  /^(authorization|proxy-authorization|cookie|set-cookie)$|token|secret|password|api-?key|session/i;

/** A URL fit for `url.full`: credentials and every query value replaced by REDACTED (keys stay, to tell what was asked). */
export function redactedUrl(input: string | URL): string {
  const url = new URL(input);
  if (url.username || url.password) {
    url.username = REDACTED;
    url.password = REDACTED;
  }
  if (url.search) url.search = redactedQuery(url.search);
  return url.href;
}

/**
 * "?token=abc&page=2&x" → "token=REDACTED&page=REDACTED&REDACTED" (no leading "?"). A part without "=" is all
 * value as far as we can tell (`?<api key>` is a common shape), so it is replaced whole.
 */
export function redactedQuery(search: string): string {
  return search
    .replace(/^\?/, "")
    .split("&")
    .filter((part) => part !== "")
    .map((part) => {
      const equals = part.indexOf("=");
      return equals < 0 ? REDACTED : `${part.slice(0, equals)}=${REDACTED}`;
    })
    .join("&");
}

/**
 * Semantic-convention attributes (`http.request.header.<name>`: string[]) for the allow-listed headers present,
 * skipping credentials whatever the allow-list says.
 */
export function headerAttributes(headers: Headers, names: readonly string[], prefix: string): Attributes {
  const attributes: Attributes = {};
  for (const name of names) {
    if (CREDENTIAL_HEADER.test(name)) continue;
    const value = headers.get(name);
    if (value !== null) attributes[`${prefix}.${name}`] = [value];
  }
  return attributes;
}
