import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setImmediate } from "node:timers";
import { emptyDir } from "../../tests/support/processes";
import { DENO } from "../../tests/support/services";
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

  const runtimes = [
    ["bun", [process.execPath]],
    ["deno", [DENO, "run", "-A"]],
  ] as const;
  const endings = [
    ["process.exit(3)", "process.exit(3);", 3],
    ["an uncaught error", 'setTimeout(() => { out.write("in the failing turn\\n"); throw new Error("boom"); }, 5);', 1],
    ["an unhandled rejection", 'Promise.reject(new Error("boom"));', 1],
  ] as const;
  test.each(
    runtimes.flatMap(([runtime, command]) =>
      endings.map(([ending, code, exit]) => [runtime, ending, command, code, exit] as const),
    ),
  )("on %s, a process ended by %s still writes what its last turn logged", async (_, _ending, command, code, exit) => {
    const dir = emptyDir();
    const script = join(dir, "script.ts");
    writeFileSync(
      script,
      `import { writeSync } from "node:fs";
      import process from "node:process";
      import { turnBatched } from ${JSON.stringify(join(import.meta.dir, "turn-batched.ts"))};
      const out = turnBatched({ write: (chunk: string) => writeSync(1, chunk) });
      out.write("first\\n");
      out.write("last\\n");
      ${code}`,
    );
    const child = Bun.spawn([...command, script], { cwd: dir, stdout: "pipe", stderr: "ignore" });
    const [stdout, status] = await Promise.all([new Response(child.stdout).text(), child.exited]);
    const expected = code.includes("failing turn") ? "first\nlast\nin the failing turn\n" : "first\nlast\n";
    expect({ stdout, status }).toEqual({ stdout: expected, status: exit });
  });
});
