// HTTP/1.1 over a bare TCP socket (node:net), for what fetch refuses to send: malformed bytes, conflicting framing,
// bodies on GET, invalid UTF-8, requests left half-sent.
import { connect, type Socket } from "node:net";

export interface RawResponse {
  /** 0 when no complete response arrived. */
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The server closed the connection (after or instead of answering). */
  closed: boolean;
  timedOut: boolean;
  error?: string;
  ms: number;
}

interface Parsed {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Parses one complete response from `data` (skipping 1xx); undefined until complete. `eof`: no more bytes come. */
export function parseResponse(data: Buffer, eof: boolean): Parsed | undefined {
  let offset = 0;
  for (;;) {
    const headEnd = data.indexOf("\r\n\r\n", offset);
    if (headEnd < 0) return undefined;
    const lines = data.subarray(offset, headEnd).toString("latin1").split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "")?.[1] ?? 0);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const bodyStart = headEnd + 4;
    if (status >= 100 && status < 200) {
      offset = bodyStart;
      continue;
    }
    if (headers["transfer-encoding"]?.toLowerCase().includes("chunked")) {
      const chunks: Buffer[] = [];
      let at = bodyStart;
      for (;;) {
        const lineEnd = data.indexOf("\r\n", at);
        if (lineEnd < 0) return undefined;
        const size = Number.parseInt(data.subarray(at, lineEnd).toString("latin1"), 16);
        if (Number.isNaN(size)) return { status, headers, body: Buffer.concat(chunks) };
        if (size === 0) return { status, headers, body: Buffer.concat(chunks) };
        if (data.length < lineEnd + 2 + size + 2) return undefined;
        chunks.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
    }
    if (headers["content-length"] !== undefined) {
      const length = Number(headers["content-length"]);
      if (data.length < bodyStart + length)
        return eof ? { status, headers, body: data.subarray(bodyStart) } : undefined;
      return { status, headers, body: data.subarray(bodyStart, bodyStart + length) };
    }
    // No framing: the body runs to the end of the connection (or there is none, as in Bun's own 4xx).
    return eof || status === 204 || status === 304 ? { status, headers, body: data.subarray(bodyStart) } : undefined;
  }
}

export interface RawOptions {
  /** Give up after this long (the socket is destroyed). */
  timeoutMs?: number;
  /** Pause between the parts of the request, to send it in pieces. */
  gapMs?: number;
}

/**
 * Sends `parts` (in order) on a new connection and resolves with the first complete response, or with what arrived
 * when the server closed the connection or the time ran out. The socket is always destroyed at the end.
 */
export function rawExchange(port: number, parts: (string | Buffer)[], options: RawOptions = {}): Promise<RawResponse> {
  const { timeoutMs = 10_000, gapMs = 0 } = options;
  const started = performance.now();
  return new Promise((resolve) => {
    const received: Buffer[] = [];
    let settled = false;
    let socket: Socket;
    const finish = (fields: Partial<RawResponse>, parsed?: Parsed) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({
        status: parsed?.status ?? 0,
        headers: parsed?.headers ?? {},
        body: parsed?.body ?? Buffer.alloc(0),
        closed: false,
        timedOut: false,
        ms: performance.now() - started,
        ...fields,
      });
    };
    const timer = setTimeout(() => finish({ timedOut: true }, parseResponse(Buffer.concat(received), true)), timeoutMs);
    socket = connect(port, "127.0.0.1", async () => {
      for (const [i, part] of parts.entries()) {
        if (settled || socket.destroyed) return;
        if (i > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        socket.write(part);
      }
    });
    socket.on("data", (chunk: Buffer) => {
      received.push(chunk);
      const parsed = parseResponse(Buffer.concat(received), false);
      if (parsed) finish({}, parsed);
    });
    socket.on("end", () => finish({ closed: true }, parseResponse(Buffer.concat(received), true)));
    socket.on("close", () => finish({ closed: true }, parseResponse(Buffer.concat(received), true)));
    socket.on("error", (error) =>
      finish(
        { closed: true, error: (error as { code?: string }).code ?? error.name },
        parseResponse(Buffer.concat(received), true),
      ),
    );
  });
}

export interface Held {
  name: string;
  /** Resolves when the server closes the connection: milliseconds after the last byte was sent, and what it said. */
  closed: Promise<{ afterMs: number; response: string }>;
  destroy(): void;
}

/** Opens a connection, sends `bytes` (possibly an incomplete request) and keeps it open until the server closes it. */
export function holdOpen(port: number, name: string, bytes: string, limitMs: number): Held {
  const socket = connect(port, "127.0.0.1");
  let sentAt = performance.now();
  let response = "";
  socket.on("connect", () => {
    if (bytes) socket.write(bytes);
    sentAt = performance.now();
  });
  socket.on("data", (chunk: Buffer) => {
    response += chunk.toString("latin1");
  });
  const closed = new Promise<{ afterMs: number; response: string }>((resolve) => {
    const timer = setTimeout(() => {
      resolve({ afterMs: Number.POSITIVE_INFINITY, response });
      socket.destroy();
    }, limitMs);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ afterMs: performance.now() - sentAt, response });
    });
    socket.on("error", () => {});
  });
  return { name, closed, destroy: () => socket.destroy() };
}

/** A request's bytes: request line, headers (Host and Connection: close unless given), blank line, body. */
export function rawRequest(
  method: string,
  target: string,
  headers: [string, string][] = [],
  body: string | Buffer = "",
): Buffer {
  const names = new Set(headers.map(([k]) => k.toLowerCase()));
  const all: [string, string][] = [
    ...(names.has("host") ? [] : ([["Host", "127.0.0.1"]] as [string, string][])),
    ...headers,
    ...(names.has("connection") ? [] : ([["Connection", "close"]] as [string, string][])),
  ];
  const head = `${method} ${target} HTTP/1.1\r\n${all.map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`;
  return Buffer.concat([Buffer.from(head, "utf8"), typeof body === "string" ? Buffer.from(body) : body]);
}
