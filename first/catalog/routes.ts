import { Elysia, t } from "elysia";
import type { createCatalog } from "./catalog";

const NewItem = t.Object({
  name: t.String({ minLength: 1, maxLength: 64 }),
  price: t.Number({ minimum: 0, maximum: 1_000_000_000 }),
});

export const catalogRoutes = (catalog: ReturnType<typeof createCatalog>) =>
  new Elysia({ name: "catalog" })
    .post(
      "/items",
      async ({ body, set }) => {
        set.status = 201;
        return catalog.add(body);
      },
      { body: NewItem },
    )
    .get("/items", async () => ({ items: await catalog.list() }))
    .get("/items/available", async () => ({ items: await catalog.available() }));
