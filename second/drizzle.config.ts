import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./second/inventory/schema.ts",
  out: "./second/db/migrations",
  migrations: { table: "__drizzle_migrations_second" },
});
