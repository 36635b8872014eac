import { afterAll, describe, expect, test } from "bun:test";
import { appUnderTest, jsonRequest } from "../../tests/support/app";
import { secondService } from "../service";

describe("inventory routes", async () => {
  const app = await appUnderTest(secondService);
  afterAll(() => app.close());

  test("PUT /stocks/:itemId sets, then overwrites, a quantity", async () => {
    const set = await app.handle(jsonRequest("PUT", "/stocks/7", { quantity: 4 }));
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ itemId: 7, quantity: 4 });
    await app.handle(jsonRequest("PUT", "/stocks/7", { quantity: 0 }));
    await app.handle(jsonRequest("PUT", "/stocks/3", { quantity: 9 }));
    const list = await app.handle(new Request("http://localhost/stocks"));
    expect(await list.json()).toEqual({
      stocks: [
        { itemId: 3, quantity: 9 },
        { itemId: 7, quantity: 0 },
      ],
    });
  });

  test.each([
    ["/stocks/x", { quantity: 1 }, 400],
    ["/stocks/-1", { quantity: 1 }, 400],
    ["/stocks/1", { quantity: -1 }, 422],
    ["/stocks/1", { quantity: "one" }, 422],
    ["/stocks/1", { quantity: 2.5 }, 422],
    ["/stocks/1", {}, 422],
  ])("PUT %s %p → %d", async (path, body, status) => {
    const response = await app.handle(jsonRequest("PUT", path, body));
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toStartWith("application/json");
  });

  test.each([
    [{ quantity: 1.5 }, "quantity must be an integer from 0 to 1000000000"],
    [{ quantity: -1 }, "quantity must be an integer from 0 to 1000000000"],
    [{ quantity: "1" }, "quantity must be an integer from 0 to 1000000000"],
    [{ quantity: "0x10" }, "quantity must be an integer from 0 to 1000000000"],
    [{}, "quantity is required (an integer from 0 to 1000000000)"],
    [[1], "quantity is required (an integer from 0 to 1000000000)"],
  ])("PUT /stocks/1 %p → 422 %p", async (body, message) => {
    const response = await app.handle(jsonRequest("PUT", "/stocks/1", body));
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({ error: { code: "validation_failed", message } });
  });

  test("unknown fields are ignored: dropped before the handler sees them", async () => {
    const response = await app.handle(jsonRequest("PUT", "/stocks/5", { quantity: 2, qty: 9, note: "x" }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ itemId: 5, quantity: 2 });
  });
});
