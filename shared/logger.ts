import pino, { type Logger } from "pino";
import type { LogLevel } from "./config";

export type { Logger };

/**
 * JSON lines on stdout. Header and credential fields are redacted wherever a caller nests them, so that an
 * accidental `log.info({ headers })` cannot leak a token.
 */
export function createLogger(service: string, level: LogLevel): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
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
  });
}
