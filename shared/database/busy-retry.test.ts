import { describe, expect, test } from "bun:test";
import { LibsqlError } from "@libsql/client";
import { retryWhileBusy } from "./busy-retry";
import { timeLeft } from "./deadline";

const busy = () => new LibsqlError("SQLITE_BUSY: database is locked", "SQLITE_BUSY");

describe("retryWhileBusy", () => {
  test("a call refused with SQLITE_BUSY is tried again until it goes through", async () => {
    let calls = 0;
    const result = await retryWhileBusy(async () => {
      calls++;
      if (calls < 3) throw busy();
      return "written";
    }, 5000);
    expect([result, calls]).toEqual(["written", 3]);
  });

  test("every try runs within the first try's deadline: time left only shrinks, it never starts over", async () => {
    const left: number[] = [];
    await retryWhileBusy(async () => {
      left.push(timeLeft() as number);
      if (left.length < 3) throw busy();
    }, 5000);
    expect(left).toHaveLength(3);
    expect(left[0]).toBeLessThanOrEqual(5000);
    expect(left[1]).toBeLessThan(left[0] as number);
    expect(left[2]).toBeLessThan(left[1] as number);
  });

  test("any other failure is thrown at once, untried", async () => {
    let calls = 0;
    const constraint = new LibsqlError("UNIQUE constraint failed", "SQLITE_CONSTRAINT");
    await expect(
      retryWhileBusy(async () => {
        calls++;
        throw constraint;
      }, 5000),
    ).rejects.toBe(constraint);
    expect(calls).toBe(1);
  });

  test("a server busy past the timeout ends in its SQLITE_BUSY", async () => {
    let calls = 0;
    await expect(
      retryWhileBusy(async () => {
        calls++;
        throw busy();
      }, 60),
    ).rejects.toMatchObject({ code: "SQLITE_BUSY" });
    expect(calls).toBeGreaterThan(1);
  });
});
