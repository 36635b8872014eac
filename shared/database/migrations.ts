import type { Client } from "@libsql/client";

/** One drizzle-kit migration, embedded in the bundle by `tools/embed-migrations.ts` (see `db:generate`). */
export interface EmbeddedMigration {
  tag: string;
  /** sha256 of the SQL file, as drizzle-kit's own migrator records it. */
  hash: string;
  folderMillis: number;
  statements: string[];
}

/**
 * drizzle's bookkeeping table, one per service (`migrations.table` in its drizzle.config.ts says the same), so that
 * two services can share one libSQL server without taking each other's migrations for their own.
 */
export const migrationsTable = (service: string) => `__drizzle_migrations_${service}`;

/**
 * Applies the migrations newer than the last one recorded in `table`, all in one write batch (one transaction),
 * and returns the tags applied. Works the same on an embedded file and on a remote libSQL server.
 */
export async function applyMigrations(
  client: Client,
  migrations: readonly EmbeddedMigration[],
  table: string,
): Promise<string[]> {
  if (!/^\w+$/.test(table)) throw new Error(`invalid migrations table name ${table}`);
  await client.execute(
    `CREATE TABLE IF NOT EXISTS ${table} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`,
  );
  const lastMillis = await lastApplied(client, table);
  const pending = migrations.filter((m) => m.folderMillis > lastMillis);
  if (pending.length === 0) return [];
  try {
    await client.batch(
      pending.flatMap((m) => [
        ...m.statements.filter((s) => s.trim().length > 0),
        { sql: `INSERT INTO ${table} (hash, created_at) VALUES (?, ?)`, args: [m.hash, m.folderMillis] },
      ]),
      "write",
    );
  } catch (error) {
    // Replicas starting at once on a fresh shared server all see the same pending migrations; one batch commits,
    // the others fail ("table already exists") and roll back. Then the work is done, by another replica.
    const newest = Math.max(...pending.map((m) => m.folderMillis));
    if ((await lastApplied(client, table)) >= newest) return [];
    throw error;
  }
  return pending.map((m) => m.tag);
}

async function lastApplied(client: Client, table: string): Promise<number> {
  const last = await client.execute(`SELECT created_at FROM ${table} ORDER BY created_at DESC LIMIT 1`);
  return last.rows.length > 0 ? Number(last.rows[0]?.[0]) : Number.NEGATIVE_INFINITY;
}
