import type { Client, InStatement } from "@libsql/client";
import { type Attributes, SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";

const OPERATION = /^\s*(\w+)/;
const COLLECTION = /\b(?:from|into|update|table(?:\s+if\s+(?:not\s+)?exists)?)\s+[`"[]?(\w+)/i;

const sqlOf = (statement: InStatement | [string, unknown?] | string): string =>
  typeof statement === "string" ? statement : Array.isArray(statement) ? statement[0] : statement.sql;

/** Database semantic conventions for one statement: the parameterised text, never its arguments. */
export function statementAttributes(sql: string): Attributes {
  const operation = OPERATION.exec(sql)?.[1]?.toUpperCase();
  const collection = COLLECTION.exec(sql)?.[1];
  return {
    "db.system.name": "sqlite",
    "db.query.text": sql,
    ...(operation ? { "db.operation.name": operation } : {}),
    ...(collection ? { "db.collection.name": collection } : {}),
  };
}

/**
 * Makes every `execute` and `batch` of a libSQL client a CLIENT span (`SELECT items`, …). Hand-written: no
 * OpenTelemetry instrumentation exists for @libsql/client, and drizzle's logger sees queries but not their timing
 * or failure. `server` names a remote libSQL server (server.address/port).
 */
export function instrumentLibsqlClient(client: Client, tracer: Tracer, server?: URL): Client {
  const serverAttributes: Attributes = server
    ? { "server.address": server.hostname, "server.port": Number(server.port) || 443 }
    : {};

  async function inSpan<T>(name: string, attributes: Attributes, run: () => Promise<T>): Promise<T> {
    return tracer.startActiveSpan(
      name,
      { kind: SpanKind.CLIENT, attributes: { ...attributes, ...serverAttributes } },
      async (span) => {
        try {
          return await run();
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          span.setAttribute("error.type", typeof code === "string" ? code : (error as Error).name);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  const execute = client.execute.bind(client) as (...args: unknown[]) => ReturnType<Client["execute"]>;
  const batch = client.batch.bind(client);
  Object.assign(client, {
    execute: (...args: unknown[]) => {
      const attributes = statementAttributes(sqlOf(args[0] as InStatement));
      const name = [attributes["db.operation.name"], attributes["db.collection.name"]].filter(Boolean).join(" ");
      return inSpan(name || "sqlite", attributes, () => execute(...args));
    },
    batch: (statements: Parameters<Client["batch"]>[0], mode?: Parameters<Client["batch"]>[1]) =>
      inSpan(
        "BATCH",
        {
          "db.system.name": "sqlite",
          "db.operation.name": "BATCH",
          "db.operation.batch.size": statements.length,
          "db.query.text": statements.map(sqlOf).join(";\n"),
        },
        () => batch(statements, mode),
      ),
  });
  return client;
}
