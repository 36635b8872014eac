import { Elysia, t } from "elysia";
import { integerParam } from "../../shared/http/params";
import { jsonInteger } from "../../shared/http/validation";
import type { createInventory } from "./inventory";

const MAX_ID = Number.MAX_SAFE_INTEGER;

export const inventoryRoutes = (inventory: ReturnType<typeof createInventory>) =>
  new Elysia({ name: "inventory" })
    .put(
      "/stocks/:itemId",
      ({ params, body }) => inventory.set(integerParam(params.itemId, "itemId", 1, MAX_ID), body.quantity),
      { body: t.Object({ quantity: jsonInteger({ minimum: 0, maximum: 1_000_000_000 }) }) },
    )
    .get("/stocks", async () => ({ stocks: await inventory.list() }));
