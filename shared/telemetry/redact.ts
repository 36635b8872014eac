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

/** "?token=abc&page=2" → "token=REDACTED&page=REDACTED" (no leading "?"). */
export function redactedQuery(search: string): string {
  const params = new URLSearchParams(search);
  return [...params.keys()].map((key) => `${encodeURIComponent(key)}=${REDACTED}`).join("&");
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
