import { asc } from "drizzle-orm";
import type { LibSQLDatabase } from "drizzle-orm/libsql";
import { type Stock, stocks } from "./schema";

/** Stock levels per catalog item id; an item never stocked simply has no row. */
export function createInventory(db: LibSQLDatabase<{ stocks: typeof stocks }>) {
  return {
    async set(itemId: number, quantity: number): Promise<Stock> {
      const [row] = await db
        .insert(stocks)
        .values({ itemId, quantity })
        .onConflictDoUpdate({ target: stocks.itemId, set: { quantity } })
        .returning();
      if (!row) throw new Error("upsert returned no row");
      return row;
    },

    list(): Promise<Stock[]> {
      return db.select().from(stocks).orderBy(asc(stocks.itemId));
    },
  };
}
