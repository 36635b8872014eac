import { describe, expect, test } from "bun:test";
import { setImmediate } from "node:timers";
import { turnBatched } from "./turn-batched";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("turnBatched", () => {
  test("lines written in one turn reach the target as one write, in order; a later turn's in another", async () => {
    const writes: string[] = [];
    const stream = turnBatched({ write: (chunk) => writes.push(chunk) });
    stream.write("a\n");
    stream.write("b\n");
    stream.write("c\n");
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(["a\nb\nc\n"]);
    stream.write("d\n");
    await nextTurn();
    expect(writes).toEqual(["a\nb\nc\n", "d\n"]);
  });

  test("flush hands over what is gathered at once, and the turn's end then writes nothing more", async () => {
    const writes: string[] = [];
    const stream = turnBatched({ write: (chunk) => writes.push(chunk) });
    stream.write("a\n");
    stream.flush();
    expect(writes).toEqual(["a\n"]);
    await nextTurn();
    expect(writes).toEqual(["a\n"]);
  });

  test("a process that exits in the turn it logged still writes the lines", async () => {
    const script = `
      import { turnBatched } from ${JSON.stringify(`${import.meta.dir}/turn-batched.ts`)};
      const out = turnBatched({ write: (chunk) => require("node:fs").writeSync(1, chunk) });
      out.write("first\\n");
      out.write("last\\n");
      process.exit(3);
    `;
    const child = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
    const [stdout, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
    expect({ stdout, code }).toEqual({ stdout: "first\nlast\n", code: 3 });
  });
});
