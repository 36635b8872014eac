import { afterAll, describe, expect, test } from "bun:test";
import { appUnderTest } from "../../tests/support/app";
import { firstService } from "../service";
import { _fibo, _one, fibo } from "./fib";

describe("fibonacci", () => {
  test("fibo follows the sequence", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10, 20].map(fibo)).toEqual([0, 1, 1, 2, 3, 5, 8, 55, 6765]);
  });

  test("_one returns n and F(n) through the whole chain", () => {
    expect(_one(25)).toEqual({ n: 25, fibonacci: 75025 });
    expect(_one(0)).toEqual({ n: 0, fibonacci: 0 });
  });

  test("_fibo's warm-up doubles as a self-check (sum of F(1..n-2) = F(n) - 1)", () => {
    for (let n = 0; n <= 25; n++) expect(_fibo(n)).toBe(fibo(n));
  });
});

describe("GET /fib/:n", async () => {
  const app = await appUnderTest(firstService, { FIB_MAX_N: "30" });
  afterAll(() => app.close());
  const get = (n: string) => app.handle(new Request(`http://localhost/fib/${n}`));

  test("answers {n, fibonacci}", async () => {
    const response = await get("12");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ n: 12, fibonacci: 144 });
  });

  test("accepts the bounds 0 and FIB_MAX_N", async () => {
    expect((await get("0")).status).toBe(200);
    expect(await (await get("30")).json()).toEqual({ n: 30, fibonacci: 832040 });
  });

  test.each(["31", "-1", "abc", "1.5", "1e3", "%20", "9".repeat(40), "0x10"])("n=%p → 400 JSON", async (n) => {
    const response = await get(n);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { code: "bad_request", message: "n must be an integer from 0 to 30" },
    });
  });
});
