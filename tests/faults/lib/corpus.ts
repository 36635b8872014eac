// A corpus of malformed requests (hand-picked and generated) for both services' routes, as raw bytes.
import { rawRequest } from "./raw";

export type Target = "first" | "second";

export interface Case {
  name: string;
  target: Target;
  /** The request, possibly in several pieces (sent with a short gap between them). */
  parts: Buffer[];
  /**
   * Bun itself may refuse it before any of our code runs (header section too large, unparsable framing): then a
   * bare 4xx without a body, or a closed connection, is allowed instead of the JSON error.
   */
  transport?: boolean;
  /** The exact status the contract requires, when it does. */
  status?: number;
  code?: string;
}

/** Deterministic pseudo-random numbers (mulberry32), so that a failing generated case can be found again. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const bytes = (...values: number[]) => Buffer.from(values);
const json = (text: string | Buffer) => (typeof text === "string" ? Buffer.from(text) : text);

/** A complete request with a JSON content type and a correct Content-Length. */
function withBody(
  method: string,
  path: string,
  body: Buffer,
  headers: [string, string][] = [["Content-Type", "application/json"]],
) {
  return rawRequest(method, path, [...headers, ["Content-Length", String(body.length)]], body);
}

function chunked(method: string, path: string, body: Buffer, chunkSize: number): Buffer {
  const pieces: Buffer[] = [];
  for (let at = 0; at < body.length; at += chunkSize) {
    const chunk = body.subarray(at, at + chunkSize);
    pieces.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n"));
  }
  pieces.push(Buffer.from("0\r\n\r\n"));
  return Buffer.concat([
    rawRequest(method, path, [
      ["Content-Type", "application/json"],
      ["Transfer-Encoding", "chunked"],
    ]),
    ...pieces,
  ]);
}

/** Routes that take a JSON body, with a valid body for each. */
const BODY_ROUTES: { target: Target; method: string; path: string; valid: string }[] = [
  { target: "first", method: "POST", path: "/items", valid: '{"name":"kettle","price":24.5}' },
  { target: "second", method: "PUT", path: "/stocks/1", valid: '{"quantity":3}' },
  { target: "first", method: "POST", path: "/", valid: "{}" },
  { target: "second", method: "POST", path: "/", valid: "{}" },
];

/** Routes without a body. */
const GET_ROUTES: { target: Target; path: string }[] = [
  { target: "first", path: "/fib/5" },
  { target: "first", path: "/items" },
  { target: "first", path: "/items/available" },
  { target: "second", path: "/stocks" },
];

const BAD_PARAMS: { raw: string; transport?: boolean }[] = [
  ...[
    "x",
    "-1",
    "1e9",
    "1e1",
    "%00",
    "%ff",
    "%E2%82%AC",
    "36",
    "46",
    "1000000000",
    "99999999999999999999",
    "1.5",
    "0x10",
    "0b1",
    "0o7",
    "%201",
    "1%20",
    "+1",
    "-0",
    "NaN",
    "Infinity",
    "-Infinity",
    "null",
    "undefined",
    "true",
    "%5B%5D",
    "%7B%7D",
    "%",
    "%%",
    "%2",
    "%zz",
    "..%2f",
    "%2e%2e",
    "1;",
    "1,2",
    "%EF%BC%91",
    "%D9%A3",
    "%C2%BD",
    "%F0%9F%92%A5",
    "%C3%A9",
    "%E2%80%AE1",
    "%ED%A0%80",
    "%C0%AF",
    `${"0".repeat(20)}1`,
    "9".repeat(5000),
    "a".repeat(8000),
    "%61".repeat(2000),
    "1%0a",
    "1%0d%0aX-Injected:%20yes",
    "1%09",
    "__proto__",
    "constructor",
    "toString",
    "1'--",
    "1%20OR%201=1",
    "%3Cscript%3E",
    "$%7B7*7%7D",
    "%7B%7B7*7%7D%7D",
    "1?",
    "1#frag",
    "1/",
    "1/2",
    "0",
  ].map((raw) => ({ raw })),
  // Raw (not percent-encoded) bytes in the request target: Bun may refuse the request line itself.
  ...["１", "٣", "½", "💥", "é", "\u202e1", "1 2", "1\t", "\u0000"].map((raw) => ({ raw, transport: true })),
];

const BAD_BODIES: (string | Buffer)[] = [
  "",
  "{",
  "}",
  '{"name":"a"',
  '{"name":"a","price":1',
  '{"quantity":',
  "nul",
  "null",
  "true",
  "1",
  '"str"',
  "[]",
  "[1,2]",
  "{}",
  '{"name":1,"price":"x"}',
  '{"name":null,"price":null}',
  '{"name":["a"],"price":[1]}',
  '{"name":{"a":1},"price":{}}',
  '{"name":"a","price":true}',
  '{"quantity":"1"}',
  '{"quantity":-1}',
  '{"quantity":1.5}',
  '{"quantity":null}',
  '{"quantity":[]}',
  `${"[".repeat(1000)}${"]".repeat(1000)}`,
  `${"[".repeat(30_000)}${"]".repeat(30_000)}`,
  `${'{"a":'.repeat(5000)}1${"}".repeat(5000)}`,
  `{"name":${"[".repeat(10_000)}${"]".repeat(10_000)},"price":1}`,
  `{"quantity":${'{"q":'.repeat(3000)}1${"}".repeat(3000)}}`,
  '{"name":"a","price":1e308}',
  '{"name":"a","price":1e309}',
  '{"name":"a","price":-1e309}',
  '{"name":"a","price":123456789012345678901234567890}',
  '{"name":"a","price":1000000001}',
  '{"name":"a","price":-0.0001}',
  '{"quantity":1e400}',
  '{"quantity":9007199254740993}',
  '{"quantity":1000000001}',
  '{"quantity":-0}',
  '{"name":"a","price":-0}',
  '{"name":"a","price":1e-400}',
  '{"name":"a","price":NaN}',
  "Infinity",
  '{"name":"a","price":-Infinity}',
  '{"name":"a","price":"NaN"}',
  '{"name":"a","price":"Infinity"}',
  '{"quantity":"NaN"}',
  '{"name":"a","price":0x10}',
  '{"name":"a","price":.5}',
  '{"name":"a","price":5.}',
  '{"name":"a","price":+1}',
  '{"name":"a","price":01}',
  '{"name":"a","name":"b","price":1}',
  '{"name":"a","price":1,"price":-1}',
  '{"quantity":1,"quantity":"x"}',
  '\ufeff{"name":"a","price":1}',
  '\ufeff\ufeff{"quantity":1}',
  bytes(0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00),
  bytes(0xff, 0xfe),
  Buffer.concat([json('{"name":"'), bytes(0xc3, 0x28), json('","price":1}')]),
  Buffer.concat([json('{"name":"'), bytes(0xc0, 0xaf), json('","price":1}')]),
  Buffer.concat([json('{"name":"'), bytes(0xed, 0xa0, 0x80), json('","price":1}')]),
  Buffer.concat([json('{"name":"'), bytes(0xf8, 0x88, 0x80, 0x80, 0x80), json('","price":1}')]),
  Buffer.concat([json('{"name":"a","price":1}'), bytes(0xe2, 0x82)]),
  Buffer.concat([json('{"quantity":1'), bytes(0x80), json("}")]),
  '{"name":"a\u0000b","price":1}',
  '{"name":"a\nb","price":1}',
  '{"name":"\\u0000","price":1}',
  '{"name":"\\ud800","price":1}',
  '{"name":"\\udc00\\ud800","price":1}',
  '{"name":"\\uZZZZ","price":1}',
  '{"name":"\\x41","price":1}',
  '{"__proto__":{"admin":true},"name":"a","price":1}',
  '{"constructor":{"prototype":{"x":1}},"name":"a","price":1}',
  '{"__proto__":{"quantity":5}}',
  '{"name":"a","price":1} x',
  '{"name":"a","price":1}{"name":"b"}',
  '{"name":"a","price":1},',
  '/* */{"name":"a","price":1}',
  "{'name':'a','price':1}",
  '{name:"a",price:1}',
  '{"name":"a","price":1,}',
  "   ",
  "\n\n",
  '{"name":"a","price":1,"id":1}',
  `{"name":"a","price":1,"extra":"${"x".repeat(1000)}"}`,
  `{"name":"${"x".repeat(65)}","price":1}`,
  `{"name":"${"😀".repeat(33)}","price":1}`,
  `{"quantity":1,"itemId":${"9".repeat(400)}}`,
];

const CONTENT_TYPES: (string | undefined)[] = [
  undefined,
  "",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/jsonx",
  "json",
  "application/json; charset=latin1",
  "application/json; charset=utf-16",
  "APPLICATION/JSON",
  "application/vnd.api+json",
  "application/json, text/plain",
  ";;;",
  "a".repeat(4000),
  `application/json; boundary=${"x".repeat(200)}`,
  "*/*",
  "application/xml",
  "application/json\u00e9",
];

function traceHeaders(): { name: string; headers: [string, string][]; transport?: boolean }[] {
  const valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const cases: { name: string; headers: [string, string][]; transport?: boolean }[] = [];
  for (const value of [
    "garbage",
    "",
    "00-00000000000000000000000000000000-0000000000000000-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz",
    `01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-${"x".repeat(100)}`,
    `00-${"a".repeat(5000)}-00f067aa0ba902b7-01`,
    `${valid},${valid}`,
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
    "éé-ü",
  ]) {
    cases.push({ name: `traceparent ${value.slice(0, 40)}`, headers: [["traceparent", value]] });
  }
  cases.push({
    name: "two traceparent headers",
    headers: [
      ["traceparent", valid],
      ["traceparent", "garbage"],
    ],
  });
  for (const value of [
    "",
    "=",
    `a=${"b".repeat(5000)}`,
    Array.from({ length: 100 }, (_, i) => `k${i}=v${i}`).join(","),
    "k=v,,,,=,",
  ]) {
    cases.push({
      name: `tracestate ${value.slice(0, 40)}`,
      headers: [
        ["traceparent", valid],
        ["tracestate", value],
      ],
    });
  }
  for (const value of [
    "===,,,;;;",
    "k=%zz",
    "k=%E0%A4%A,x=%",
    Array.from({ length: 200 }, (_, i) => `k${i}=v${i}`).join(","),
    Array.from({ length: 1000 }, (_, i) => `k${i}=v`).join(","),
    `k=v;prop=${"x".repeat(4000)}`,
    "é=ü",
    "k",
    ";",
  ]) {
    cases.push({ name: `baggage ${value.slice(0, 40)}`, headers: [["baggage", value]] });
  }
  return cases;
}

function otherHeaders(): { name: string; headers: [string, string][]; transport?: boolean }[] {
  const many = (n: number): [string, string][] => Array.from({ length: n }, (_, i) => [`x-h${i}`, "v"]);
  return [
    { name: "8 KB header value", headers: [["x-big", "a".repeat(8000)]] },
    { name: "14 KB header value", headers: [["x-big", "a".repeat(14_000)]] },
    { name: "17 KB header value", headers: [["x-big", "a".repeat(17_000)]], transport: true },
    { name: "100 KB header value", headers: [["x-big", "a".repeat(100_000)]], transport: true },
    { name: "100 headers", headers: many(100) },
    { name: "180 headers", headers: many(180) },
    { name: "250 headers", headers: many(250), transport: true },
    { name: "1000 headers", headers: many(1000), transport: true },
    { name: "50 cookie headers", headers: Array.from({ length: 50 }, (_, i) => ["cookie", `c${i}=v`]) },
    { name: "8 KB authorization", headers: [["authorization", `Bearer ${"x".repeat(8000)}`]] },
    { name: "garbage authorization", headers: [["authorization", "\u00ff\u00fe garbage"]] },
    { name: "unicode header value", headers: [["x-name", "日本語 😀"]] },
    { name: "user-agent unicode", headers: [["user-agent", "é".repeat(3000)]] },
    { name: "empty host", headers: [["Host", ""]] },
    { name: "short host", headers: [["Host", "ab"]] },
    { name: "host with bad port", headers: [["Host", "a:99999999"]] },
    { name: "host unterminated ipv6", headers: [["Host", "[::1"]] },
    { name: "host unicode", headers: [["Host", "évil.example"]], transport: true },
    { name: "5 KB host", headers: [["Host", "h".repeat(5000)]] },
    {
      name: "two hosts",
      headers: [
        ["Host", "a"],
        ["Host", "b"],
      ],
      transport: true,
    },
    { name: "accept-encoding garbage", headers: [["accept-encoding", "gzip;q=abc, *;q=-1, br;;"]] },
    { name: "accept garbage", headers: [["accept", "*/*;q=2, text/html;;;"]] },
    { name: "expect 100-continue", headers: [["expect", "100-continue"]] },
    { name: "expect garbage", headers: [["expect", "200-ok"]] },
    { name: "connection garbage", headers: [["connection", "upgrade, keep-alive, close, x"]] },
    {
      name: "upgrade websocket",
      headers: [
        ["upgrade", "websocket"],
        ["connection", "upgrade"],
      ],
    },
    {
      name: "upgrade h2c",
      headers: [
        ["upgrade", "h2c"],
        ["connection", "upgrade, close"],
      ],
    },
    { name: "x-forwarded-for garbage", headers: [["x-forwarded-for", "not-an-ip, ::::, 999.1.1.1"]] },
    { name: "range garbage", headers: [["range", "bytes=9-1,abc"]] },
    { name: "if-none-match garbage", headers: [["if-none-match", "*, W/"]] },
  ];
}

/** Requests broken at the HTTP framing level: Bun may refuse them before the app sees anything. */
function framing(rand: () => number): { name: string; bytes: Buffer }[] {
  const cases: { name: string; bytes: Buffer }[] = [
    ["garbage line", "GARBAGE\r\n\r\n"],
    ["empty lines", "\r\n\r\n"],
    ["method only", "GET\r\n\r\n"],
    ["HTTP/9.9", "GET /fib/1 HTTP/9.9\r\nHost: a\r\n\r\n"],
    ["HTTP/1.0 without Host", "GET /fib/1 HTTP/1.0\r\n\r\n"],
    ["HTTP/1.1 without Host", "GET /fib/1 HTTP/1.1\r\nConnection: close\r\n\r\n"],
    ["lower-case method", "get /fib/1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"],
    ["unknown method", "FOO /fib/1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"],
    ["absolute-form target", "GET http://evil.example/fib/1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"],
    ["asterisk target", "OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"],
    ["no leading slash", "GET fib/1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"],
    ["tab separator", "GET\t/fib/1\tHTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"],
    ["LF line endings", "GET /fib/1 HTTP/1.1\nHost: a\nConnection: close\n\n"],
    ["obs-fold header", "GET /fib/1 HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\nConnection: close\r\n\r\n"],
    ["header without colon", "GET /fib/1 HTTP/1.1\r\nHost: a\r\nNoColon\r\nConnection: close\r\n\r\n"],
    ["space in header name", "GET /fib/1 HTTP/1.1\r\nHost: a\r\nX A: b\r\nConnection: close\r\n\r\n"],
    ["space before colon", "GET /fib/1 HTTP/1.1\r\nHost: a\r\nX-A : b\r\nConnection: close\r\n\r\n"],
    ["NUL in header value", "GET /fib/1 HTTP/1.1\r\nHost: a\r\nX-A: b\u0000c\r\nConnection: close\r\n\r\n"],
    ["CR in header value", "GET /fib/1 HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\nConnection: close\r\n\r\n"],
    ["20 KB request line", `GET /${"a".repeat(20_000)} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`],
    ["HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"],
    [
      "conflicting Content-Length",
      'POST /items HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 6\r\nConnection: close\r\n\r\n{"a":1}',
    ],
    [
      "Content-Length list",
      'POST /items HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 7, 7\r\nConnection: close\r\n\r\n{"a":1}',
    ],
    [
      "Content-Length abc",
      "POST /items HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: abc\r\nConnection: close\r\n\r\n{}",
    ],
    [
      "Content-Length -1",
      "POST /items HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: -1\r\nConnection: close\r\n\r\n{}",
    ],
    [
      "Content-Length 1.5",
      "POST /items HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 1.5\r\nConnection: close\r\n\r\n{}",
    ],
    [
      "Content-Length beyond 64 bits",
      "POST /items HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 99999999999999999999999\r\nConnection: close\r\n\r\n{}",
    ],
    [
      "Content-Length and chunked",
      "POST /items HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    ],
    [
      "Transfer-Encoding gzip, chunked",
      "POST /items HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    ],
    [
      "Transfer-Encoding chunkedX",
      "POST /items HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunkedX\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    ],
    [
      "bad chunk size",
      "POST /items HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    ],
    [
      "chunk size overflow",
      "POST /items HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nffffffffffffffffffff\r\n{}\r\n0\r\n\r\n",
    ],
    [
      "chunk longer than declared",
      "POST /items HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n1\r\n{}\r\n0\r\n\r\n",
    ],
    [
      "pipelined requests",
      "GET /fib/1 HTTP/1.1\r\nHost: a\r\n\r\nGET /fib/2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    ],
  ].map(([name, text]) => ({ name: name as string, bytes: Buffer.from(text as string, "latin1") }));
  cases.push({
    name: "TLS ClientHello",
    bytes: bytes(0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, ...Array(32).fill(7), 0x0d, 0x0a),
  });
  for (let i = 0; i < 30; i++) {
    const length = 1 + Math.floor(rand() * 300);
    const junk = Buffer.from(Array.from({ length }, () => Math.floor(rand() * 256)));
    cases.push({ name: `random bytes #${i}`, bytes: Buffer.concat([junk, Buffer.from("\r\n\r\n")]) });
  }
  return cases;
}

const UNICODE_NAMES = [
  "😀",
  "😀".repeat(32),
  "日本語",
  "עברית",
  "العربية",
  "e\u0301",
  "\u200b",
  "\u200d",
  "\ufeff",
  "\u0000",
  "\u202eevil",
  "Z\u0334\u0321\u031ba\u0337\u034el\u0338g\u0334o\u0335",
  "\\",
  '"',
  "'; DROP TABLE items;--",
  "%s%s%s%n",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style string, literally
  "${jndi:ldap://x}",
  "<img src=x onerror=alert(1)>",
  "\n\r\t",
  "a".repeat(64),
  " ",
  "\ufdfa",
  "𝕏",
  "🏳️‍🌈",
  "\u{10ffff}",
  "\ufffe",
  "İıßẞ",
  "ǅ",
];

/** Mutations of a valid body: truncations, byte flips, insertions, duplications. */
function mutate(valid: string, rand: () => number): Buffer {
  const source = Buffer.from(valid);
  const at = Math.floor(rand() * (source.length + 1));
  const tokens = ["{", "}", "[", "]", ",", ":", '"', "\\", "null", "-", "1e999", "\u0000", "\ufeff", "\ud800"];
  switch (Math.floor(rand() * 5)) {
    case 0:
      return source.subarray(0, at);
    case 1: {
      const copy = Buffer.from(source);
      copy[Math.min(at, copy.length - 1)] = Math.floor(rand() * 256);
      return copy;
    }
    case 2: {
      const token = tokens[Math.floor(rand() * tokens.length)] as string;
      return Buffer.concat([source.subarray(0, at), Buffer.from(token), source.subarray(at)]);
    }
    case 3:
      return Buffer.concat([source.subarray(0, at), source.subarray(Math.floor(rand() * source.length))]);
    default: {
      const copy = Buffer.from(source);
      for (let i = 0; i < 3; i++) copy[Math.floor(rand() * copy.length)] = 0x20 + Math.floor(rand() * 95);
      return copy;
    }
  }
}

/** Every case: hand-picked lists crossed with the routes, plus generated mutations and junk. */
export function buildCorpus(seed = 20_260_601, bodyLimit = 65_536): Case[] {
  const rand = prng(seed);
  const cases: Case[] = [];
  const add = (c: Omit<Case, "parts"> & { parts: Buffer | Buffer[] }) =>
    cases.push({ ...c, parts: Array.isArray(c.parts) ? c.parts : [c.parts] });

  // Path parameters.
  for (const { raw, transport } of BAD_PARAMS) {
    const short = raw.slice(0, 30);
    add({ name: `GET /fib/${short}`, target: "first", parts: rawRequest("GET", `/fib/${raw}`), transport });
    add({
      name: `PUT /stocks/${short}`,
      target: "second",
      parts: withBody("PUT", `/stocks/${raw}`, json('{"quantity":1}')),
      transport,
    });
    if (raw.length < 40) {
      add({ name: `DELETE /fib/${short}`, target: "first", parts: rawRequest("DELETE", `/fib/${raw}`), transport });
      add({ name: `GET /items/${short}`, target: "first", parts: rawRequest("GET", `/items/${raw}`), transport });
    }
  }

  // JSON bodies on every route that takes one.
  for (const body of BAD_BODIES) {
    const label = (typeof body === "string" ? body : body.toString("latin1")).slice(0, 40);
    for (const route of BODY_ROUTES) {
      add({
        name: `${route.method} ${route.path} ${label}`,
        target: route.target,
        parts: withBody(route.method, route.path, json(body)),
      });
    }
  }

  // Content types.
  for (const type of CONTENT_TYPES) {
    for (const route of BODY_ROUTES) {
      const headers: [string, string][] = type === undefined ? [] : [["Content-Type", type]];
      add({
        name: `${route.method} ${route.path} content-type ${String(type).slice(0, 40)}`,
        target: route.target,
        parts: withBody(route.method, route.path, json(route.valid), headers),
        transport: type?.includes("\u00e9"),
      });
    }
  }

  // Bodies where none is expected (fetch would refuse to send a GET with a body).
  for (const body of ["{", '{"name":"a","price":1}', "x".repeat(1000), "\u0000\u0001", "[".repeat(5000)]) {
    for (const route of GET_ROUTES) {
      add({
        name: `GET ${route.path} with body ${body.slice(0, 20)}`,
        target: route.target,
        parts: withBody("GET", route.path, json(body)),
      });
    }
  }

  // Headers: trace context, baggage, sizes, counts, odd values, on a GET and a body route of each service.
  const headerRoutes = [
    { target: "first" as const, method: "GET", path: "/fib/5", body: undefined },
    { target: "first" as const, method: "POST", path: "/items", body: '{"name":"headers","price":1}' },
    { target: "second" as const, method: "GET", path: "/stocks", body: undefined },
  ];
  for (const { name, headers, transport } of [...traceHeaders(), ...otherHeaders()]) {
    for (const route of headerRoutes) {
      const hasHost = headers.some(([k]) => k.toLowerCase() === "host");
      const extra: [string, string][] = route.body ? [["Content-Type", "application/json"]] : [];
      add({
        name: `${route.method} ${route.path} ${name}`,
        target: route.target,
        parts: route.body
          ? withBody(route.method, route.path, json(route.body), [...extra, ...headers])
          : rawRequest(route.method, route.path, headers),
        transport: transport || (hasHost && name !== "short host"),
        // A short Host is still a normal request, and must be routed like one.
        ...(name === "short host" ? { status: route.body ? 201 : 200 } : {}),
      });
    }
  }

  // Oversized bodies, declared and streamed: 413 body_too_large, as JSON.
  // Exactly `size` bytes: {"name":"xx…x","price":1}
  const big = (size: number) => Buffer.from(`{"name":"${"x".repeat(Math.max(0, size - 21))}","price":1}`);
  for (const route of [...BODY_ROUTES, { target: "first" as const, method: "GET", path: "/items", valid: "" }]) {
    const over = { status: 413, code: "body_too_large" };
    const r = `${route.method} ${route.path}`;
    add({
      name: `${r} declared limit+1`,
      target: route.target,
      parts: withBody(route.method, route.path, big(bodyLimit + 1)),
      ...over,
    });
    add({
      name: `${r} declared 2 MB`,
      target: route.target,
      parts: withBody(route.method, route.path, big(2_000_000)),
      ...over,
    });
    add({
      name: `${r} declared 5 GB (first bytes only)`,
      target: route.target,
      parts: rawRequest(
        route.method,
        route.path,
        [
          ["Content-Type", "application/json"],
          ["Content-Length", "5000000000"],
        ],
        '{"name":"',
      ),
      ...over,
    });
    if (route.method !== "GET") {
      add({
        name: `${r} chunked limit+1`,
        target: route.target,
        parts: chunked(route.method, route.path, big(bodyLimit + 1), 8192),
        ...over,
      });
      add({
        name: `${r} chunked 2 MB`,
        target: route.target,
        parts: chunked(route.method, route.path, big(2_000_000), 65_536),
        ...over,
      });
      const slow = chunked(route.method, route.path, big(bodyLimit + 10_000), 16_384);
      const pieces = Array.from({ length: 6 }, (_, i) =>
        slow.subarray((i * slow.length) / 6, ((i + 1) * slow.length) / 6),
      );
      add({ name: `${r} chunked in pieces`, target: route.target, parts: pieces, ...over });
    }
  }

  // Unicode names: created or rejected, never a 5xx.
  for (const name of UNICODE_NAMES) {
    add({
      name: `POST /items name ${JSON.stringify(name).slice(0, 30)}`,
      target: "first",
      parts: withBody("POST", "/items", json(JSON.stringify({ name, price: 1 }))),
    });
  }

  // Framing garbage, against both services.
  for (const { name, bytes: raw } of framing(rand)) {
    for (const target of ["first", "second"] as const)
      add({ name: `framing: ${name}`, target, parts: raw, transport: true });
  }

  // Generated: mutations of valid bodies.
  for (let i = 0; i < 240; i++) {
    const route = BODY_ROUTES[i % 2] as (typeof BODY_ROUTES)[number];
    add({
      name: `mutation #${i} of ${route.method} ${route.path}`,
      target: route.target,
      parts: withBody(route.method, route.path, mutate(route.valid, rand)),
    });
  }
  return cases;
}
