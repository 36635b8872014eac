// Compiled executables lay their bytecode out by what their start-up ran (tools/build.ts, tools/bytecode-order.ts).
import { describe, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildExecutable } from "../../tools/build";
import { recordBytecodeOrder } from "../../tools/bytecode-order";
import { emptyDir, startBinary } from "../support/processes";
import { SETUP_TIMEOUT_MS } from "../support/services";

const fixture = join(import.meta.dir, "../support/order-stats-server.ts");

interface OrderStats {
  hot: number;
  cold: number;
  unknown: number;
}

async function layoutOf(executable: string): Promise<OrderStats | null> {
  const server = await startBinary(executable);
  try {
    return (await fetch(`${server.url}/stats`).then((r) => r.json())) as OrderStats | null;
  } finally {
    await server.stop();
  }
}

describe("bytecode layout", () => {
  test(
    "a compiled executable's bytecode follows its recorded start-up",
    async () => {
      const stats = await layoutOf(await buildExecutable(fixture, join(emptyDir(), "ordered")));
      expect(stats).not.toBeNull();
      // What starting and answering ran was recorded, so it is found in the part laid out first.
      expect(stats?.hot).toBeGreaterThan(0);
      expect(stats?.unknown).toBe(0);
    },
    SETUP_TIMEOUT_MS,
  );

  test(
    "built without an order, the runtime reports no layout",
    async () => {
      const executable = await buildExecutable(fixture, join(emptyDir(), "unordered"), { bytecodeOrder: false });
      expect(await layoutOf(executable)).toBeNull();
    },
    SETUP_TIMEOUT_MS,
  );

  test("an executable that cannot start fails the recording, naming it and carrying its error", async () => {
    const dir = emptyDir();
    const executable = join(dir, "refuses");
    writeFileSync(executable, "#!/bin/sh\necho 'bad configuration: PORT' >&2\nexit 1\n");
    chmodSync(executable, 0o755);
    const recording = recordBytecodeOrder(executable, join(dir, "order"));
    await expect(recording).rejects.toThrow(`recording the bytecode order of ${executable}: exited with 1`);
    await expect(recording).rejects.toThrow("bad configuration: PORT");
  });
});
