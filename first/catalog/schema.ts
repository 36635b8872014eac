import { sql } from "drizzle-orm";
import { check, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const items = sqliteTable(
  "items",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    price: real("price").notNull(),
  },
  (table) => [check("items_price_not_negative", sql`${table.price} >= 0`)],
);

export type Item = typeof items.$inferSelect;
