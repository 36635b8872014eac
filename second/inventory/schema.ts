import { sql } from "drizzle-orm";
import { check, integer, sqliteTable } from "drizzle-orm/sqlite-core";

export const stocks = sqliteTable(
  "stocks",
  {
    itemId: integer("item_id").primaryKey(),
    quantity: integer("quantity").notNull(),
  },
  (table) => [check("stocks_quantity_not_negative", sql`${table.quantity} >= 0`)],
);

export type Stock = typeof stocks.$inferSelect;
