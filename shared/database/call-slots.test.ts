import { describe, expect, test } from "bun:test";
import { CallSlots } from "./call-slots";

const never = () => new AbortController().signal;
/** Lets queued promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("CallSlots", () => {
  test("at most `size` holders; the others get a slot in arrival order as holders release", async () => {
    const slots = new CallSlots(2);
    const granted: string[] = [];
    const take = (name: string) =>
      slots.acquire(never()).then((release) => {
        granted.push(name);
        return release;
      });
    const [a, b] = await Promise.all([take("a"), take("b")]);
    const rest = [take("c"), take("d"), take("e")];
    await settle();
    expect([granted, slots.waiting]).toEqual([["a", "b"], 3]);
    b?.();
    await settle();
    expect(granted).toEqual(["a", "b", "c"]);
    a?.();
    await settle();
    expect(granted).toEqual(["a", "b", "c", "d"]);
    for (const release of await Promise.all(rest.slice(0, 2))) release();
    await settle();
    expect([granted, slots.waiting]).toEqual([["a", "b", "c", "d", "e"], 0]);
  });

  test("a waiter whose signal aborts leaves the line with the reason and takes no slot", async () => {
    const slots = new CallSlots(1);
    const held = await slots.acquire(never());
    const giveUp = new AbortController();
    const abandoned = slots.acquire(giveUp.signal);
    const next = slots.acquire(never());
    giveUp.abort(new Error("deadline"));
    await expect(abandoned).rejects.toThrow("deadline");
    expect(slots.waiting).toBe(1);
    held();
    const release = await next;
    // The aborted waiter did not keep a slot: one release frees the only one again.
    release();
    expect(slots.waiting).toBe(0);
    expect(Bun.peek.status(slots.acquire(never()))).toBe("fulfilled");
  });

  test("an already aborted signal is refused at once; a release called twice frees one slot", async () => {
    const slots = new CallSlots(1);
    await expect(slots.acquire(AbortSignal.abort(new Error("gone")))).rejects.toThrow("gone");
    const release = await slots.acquire(never());
    const first = slots.acquire(never());
    const second = slots.acquire(never());
    release();
    release();
    await first;
    await settle();
    // A second call of the same release must not have let `second` in while `first` holds the slot.
    expect(slots.waiting).toBe(1);
    expect(Bun.peek.status(second)).toBe("pending");
  });

  test("the slot count must be a positive integer", () => {
    expect(() => new CallSlots(0)).toThrow(RangeError);
    expect(() => new CallSlots(1.5)).toThrow(RangeError);
  });
});
