import { afterAll, describe, expect, test } from "bun:test";
import { appUnderTest, jsonRequest } from "../../tests/support/app";
import { firstService } from "../service";

describe("catalog routes", async () => {
  const app = await appUnderTest(firstService);
  afterAll(() => app.close());

  test("POST /items creates an item with an id; GET /items lists them in order", async () => {
    const a = await app.handle(jsonRequest("POST", "/items", { name: "lamp", price: 12.25 }));
    expect(a.status).toBe(201);
    expect(await a.json()).toEqual({ id: 1, name: "lamp", price: 12.25 });
    await app.handle(jsonRequest("POST", "/items", { name: "ünïcødé ☕", price: 0 }));
    const list = await app.handle(new Request("http://localhost/items"));
    expect(await list.json()).toEqual({
      items: [
        { id: 1, name: "lamp", price: 12.25 },
        { id: 2, name: "ünïcødé ☕", price: 0 },
      ],
    });
  });

  test("an invalid item is a 422 naming the field, and is not stored", async () => {
    const before = await (await app.handle(new Request("http://localhost/items"))).json();
    const response = await app.handle(jsonRequest("POST", "/items", { name: "ok", price: "free" }));
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.message).toBe("price must be a number from 0 to 1000000000");
    expect(await (await app.handle(new Request("http://localhost/items"))).json()).toEqual(before);
  });

  test.each([
    [{ name: "", price: 1 }, "name must be a string of 1 to 64 characters"],
    [{ name: "ok", price: "1" }, "price must be a number from 0 to 1000000000"],
    [{ price: 1 }, "name is required (a string of 1 to 64 characters)"],
  ])("POST /items %p → 422 %p", async (body, message) => {
    const response = await app.handle(jsonRequest("POST", "/items", body));
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({ error: { code: "validation_failed", message } });
  });
});
