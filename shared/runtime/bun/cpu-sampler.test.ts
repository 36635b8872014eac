import { expect, test } from "bun:test";
import { SLICE_MS, sampleCpu } from "./cpu-sampler";

function spin(ms: number) {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // on the stack for the sampler
  }
}
function busyFirst() {
  spin(100);
}
function busyLast() {
  spin(100);
}

test("a profile longer than one slice is sampled from its start to its end, in time order", async () => {
  const stacks = await sampleCpu(async () => {
    busyFirst();
    await Bun.sleep(2 * SLICE_MS + 100); // two slice boundaries pass
    busyLast();
  }, 1000);
  const named = (name: string) => stacks.filter((s) => s.frames.some((f) => f.name === name));
  expect(named("busyFirst").length).toBeGreaterThan(0);
  expect(named("busyLast").length).toBeGreaterThan(0);
  const times = stacks.map((s) => s.timestamp);
  expect(times).toEqual([...times].sort((a, b) => a - b));
});

test("what the profiled work throws is what the caller gets", async () => {
  await expect(
    sampleCpu(async () => {
      await Bun.sleep(10);
      throw new Error("boom");
    }, 1000),
  ).rejects.toThrow("boom");
});
