import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { migrations as firstMigrations } from "../../first/db/migrations.gen";
import { migrations as secondMigrations } from "../../second/db/migrations.gen";
import { emptyDir } from "../../tests/support/processes";
import { applyMigrations } from "./migrations";

describe("embedded migrations", () => {
  test.each([
    ["first", firstMigrations],
    ["second", secondMigrations],
  ])("%s's embedded module matches drizzle-kit's folder (run `npm run db:generate` if not)", (service, embedded) => {
    const folder = join(import.meta.dir, `../../${service}/db/migrations`);
    const fromFolder = readMigrationFiles({ migrationsFolder: folder });
    const journal = JSON.parse(readFileSync(join(folder, "meta/_journal.json"), "utf8")) as { entries: unknown[] };
    expect(embedded.length).toBe(journal.entries.length);
    expect(embedded.map((m) => ({ hash: m.hash, folderMillis: m.folderMillis, sql: m.statements }))).toEqual(
      fromFolder.map((m) => ({ hash: m.hash, folderMillis: m.folderMillis, sql: m.sql })),
    );
  });

  test("apply once on a real libSQL file: tables exist, a second run applies nothing", async () => {
    const client = createClient({ url: `file:${join(emptyDir(), "m.db")}` });
    expect(await applyMigrations(client, firstMigrations, "__m_first")).toEqual(["0000_catalog"]);
    expect(await applyMigrations(client, firstMigrations, "__m_first")).toEqual([]);
    // Another service's migrations on the same database keep their own bookkeeping.
    expect(await applyMigrations(client, secondMigrations, "__m_second")).toEqual(["0000_inventory"]);
    const tables = await client.execute("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
    expect(tables.rows.map((r) => r.name)).toEqual(expect.arrayContaining(["items", "stocks"]));
    const recorded = await client.execute("SELECT hash FROM __m_first");
    expect(recorded.rows.map((r) => r.hash)).toEqual(firstMigrations.map((m) => m.hash));
    client.close();
  });

  test("a failing migration leaves nothing half-applied", async () => {
    const client = createClient({ url: `file:${join(emptyDir(), "m.db")}` });
    const broken = [
      { tag: "0000_ok", hash: "a", folderMillis: 1, statements: ["CREATE TABLE t (x)"] },
      { tag: "0001_bad", hash: "b", folderMillis: 2, statements: ["CREATE TABLE u (x)", "NOT SQL"] },
    ];
    await expect(applyMigrations(client, broken, "__m")).rejects.toThrow();
    const tables = await client.execute("SELECT name FROM sqlite_schema WHERE name IN ('t', 'u')");
    expect(tables.rows).toEqual([]);
    client.close();
  });
});
