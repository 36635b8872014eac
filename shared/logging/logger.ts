import { isSpanContextValid, trace } from "@opentelemetry/api";
import pino, { type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "../config/config";
import { turnBatched } from "./turn-batched";

export type { Logger };

/** trace_id/span_id of the span active where the line is written (inside a request: its SERVER span or a child). */
function traceContext(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span || !isSpanContextValid(span.spanContext())) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}`.slice(-2) };
}

/**
 * JSON lines on stdout, written once per event-loop turn (turn-batched.ts), and to `extra` (e.g. OTLP export), each
 * carrying the active trace context. Header, credential and body fields are redacted wherever a caller nests them,
 * so that an accidental `log.info({ headers })` cannot leak a token.
 */
export function createLogger(service: string, level: LogLevel, extra?: DestinationStream): Logger {
  // Synchronous writes, so no line waits in a buffer past the turn that wrote it.
  const stdout = turnBatched(pino.destination({ dest: 1, sync: true }));
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: traceContext,
      redact: {
        paths: [
          "*.authorization",
          "*.cookie",
          "*.password",
          "*.token",
          "headers",
          "*.headers",
          "body",
          "*.body",
          "DATABASE_AUTH_TOKEN",
        ],
        censor: "[redacted]",
      },
    },
    extra
      ? pino.multistream([
          { stream: stdout, level },
          { stream: extra, level },
        ])
      : stdout,
  );
}
