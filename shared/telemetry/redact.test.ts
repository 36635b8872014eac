import { describe, expect, test } from "bun:test";
import { headerAttributes, redactedQuery, redactedUrl } from "./redact";

describe("redaction", () => {
  test("url.full keeps scheme, host, path and query keys; drops credentials and every query value", () => {
    expect(redactedUrl("https://user:pa55@api.example.com:8443/v1/x?token=abc&page=2#frag")).toBe(
      "https://REDACTED:REDACTED@api.example.com:8443/v1/x?token=REDACTED&page=REDACTED#frag",
    );
    expect(redactedUrl("http://h/delay/0")).toBe("http://h/delay/0");
  });

  test("query strings", () => {
    expect(redactedQuery("?a=1&b=%20x&a=2")).toBe("a=REDACTED&b=REDACTED&a=REDACTED");
    expect(redactedQuery("?sk_live_51Habc&page=2&&flag=")).toBe("REDACTED&page=REDACTED&flag=REDACTED");
    expect(redactedUrl("http://h/x?sk_live_51Habc")).toBe("http://h/x?REDACTED");
  });

  test("only allow-listed headers are captured, and never credentials", () => {
    const headers = new Headers({
      authorization: "Bearer t",
      cookie: "sid=1",
      "x-api-key": "k",
      "x-request-id": "r1",
      accept: "text/html",
    });
    expect(
      headerAttributes(headers, ["authorization", "cookie", "x-api-key", "x-request-id", "x-absent"], "h"),
    ).toEqual({
      "h.x-request-id": ["r1"],
    });
  });
});
