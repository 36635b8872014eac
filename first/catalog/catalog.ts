import { asc } from "drizzle-orm";
import type { LibSQLDatabase } from "drizzle-orm/libsql";
import type { Upstream } from "../../shared/http/upstream";
import { type Item, items } from "./schema";

export interface Stock {
  itemId: number;
  quantity: number;
}

export interface AvailableItem extends Item {
  quantity: number;
}

/** The catalog: items live here; how many are in stock is second's business, asked for on demand. */
export function createCatalog(db: LibSQLDatabase<{ items: typeof items }>, inventory: Upstream) {
  return {
    async add(input: { name: string; price: number }): Promise<Item> {
      const [created] = await db.insert(items).values(input).returning();
      if (!created) throw new Error("insert returned no row");
      return created;
    },

    list(): Promise<Item[]> {
      return db.select().from(items).orderBy(asc(items.id));
    },

    async available(): Promise<AvailableItem[]> {
      const [all, { stocks }] = await Promise.all([this.list(), inventory.json<{ stocks: Stock[] }>("GET", "/stocks")]);
      const quantities = new Map(stocks.map((s) => [s.itemId, s.quantity]));
      return all.flatMap((item) => {
        const quantity = quantities.get(item.id) ?? 0;
        return quantity > 0 ? [{ ...item, quantity }] : [];
      });
    },
  };
}
