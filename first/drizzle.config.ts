import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./first/catalog/schema.ts",
  out: "./first/db/migrations",
  migrations: { table: "__drizzle_migrations_first" },
});
