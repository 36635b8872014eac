// How the compiled binaries start, refuse to start, and find their database.
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { dirname, join } from "node:path";
import { binaries } from "../support/binaries";
import { freePort } from "../support/ports";
import { emptyDir, spawnProc, startBinary } from "../support/processes";
import { SETUP_TIMEOUT_MS } from "../support/services";
import { startSqld } from "../support/sqld";

let bins: { first: string; second: string };

beforeAll(async () => {
  bins = await binaries();
}, SETUP_TIMEOUT_MS);

/** True if any directory from `dir` up to / has a node_modules a binary could load packages from. */
function nodeModulesAbove(dir: string): boolean {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, "node_modules"))) return true;
    if (dirname(current) === current) return false;
  }
}

describe("compiled binaries", () => {
  test("run standalone: no node_modules above the binary or its working directory", async () => {
    const cwd = emptyDir();
    expect(nodeModulesAbove(cwd)).toBe(false);
    expect(nodeModulesAbove(dirname(bins.first))).toBe(false);
    const first = await startBinary(bins.first, { CHAIN_SLEEP_MAX_MS: "0" }, cwd);
    try {
      const created = await fetch(`${first.url}/items`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "standalone", price: 1 }),
      });
      expect(created.status).toBe(201);
      expect((await fetch(`${first.url}/fib/20`).then((r) => r.json())) as object).toEqual({ n: 20, fibonacci: 6765 });
    } finally {
      expect(await first.stop()).toEqual({ code: 0, signal: null });
    }
  });

  test.each([
    [{ PORT: "abc" }, "PORT"],
    [{ FIB_MAX_N: "-1" }, "FIB_MAX_N"],
    [{ SECOND_URL: "http//broken" }, "SECOND_URL"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
  ])("invalid configuration %p → exit 1 with one line naming %s", async (env, name) => {
    const proc = spawnProc("first", bins.first, [], env, emptyDir());
    const { code } = await proc.exited;
    expect(code).toBe(1);
    const lines = proc.stderr.filter((l) => l.trim() !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toStartWith("first: invalid configuration: ");
    expect(lines[0]).toContain(`${name}=`);
  });

  test("a .env file in the working directory is not loaded implicitly", async () => {
    const cwd = emptyDir();
    writeFileSync(join(cwd, ".env"), "FIB_MAX_N=-5\n");
    const first = await startBinary(bins.first, {}, cwd);
    expect((await fetch(`${first.url}/fib/35`)).status).toBe(200);
    await first.stop();
  });

  test("a port already in use is an error at start-up, not a silently shared port", async () => {
    const first = await startBinary(bins.first);
    try {
      const second = spawnProc("first", bins.first, [], { PORT: String(first.port), HOST: "127.0.0.1" }, emptyDir());
      const { code } = await second.exited;
      expect(code).not.toBe(0);
      expect(second.output()).toMatch(/EADDRINUSE|in use/i);
    } finally {
      await first.stop();
    }
  });

  test("DATABASE_URL=file:/absolute/path is created with its directory", async () => {
    const dbPath = join(emptyDir(), "nested", "dir", "catalog.db");
    const first = await startBinary(bins.first, { DATABASE_URL: `file:${dbPath}` });
    await first.stop();
    expect(existsSync(dbPath)).toBe(true);
  });

  test("an unusable DATABASE_URL stops start-up with one line naming the database", async () => {
    const proc = spawnProc(
      "second",
      bins.second,
      [],
      { DATABASE_URL: `http://127.0.0.1:${await freePort()}`, DATABASE_AUTH_TOKEN: "s3cret-token" },
      emptyDir(),
    );
    const { code } = await proc.exited;
    expect(code).toBe(1);
    expect(proc.stderr.join("\n")).toMatch(/^second: database http:\/\/127\.0\.0\.1:\d+\/ unusable: /);
    expect(proc.output()).not.toContain("s3cret-token");
  });
});

describe("remote libSQL server (sqld)", () => {
  test("a server that accepts but never answers cannot hang start-up past DATABASE_TIMEOUT_MS", async () => {
    const held: Socket[] = [];
    const blackHole = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
    const { port } = blackHole.address() as AddressInfo;
    try {
      const proc = spawnProc(
        "first",
        bins.first,
        [],
        { DATABASE_URL: `http://127.0.0.1:${port}`, DATABASE_TIMEOUT_MS: "700" },
        emptyDir(),
      );
      expect((await proc.exited).code).toBe(1);
      // Ended by the DATABASE_TIMEOUT_MS abort (AbortSignal.timeout's message): a black hole never answers otherwise.
      expect(proc.stderr.join("\n")).toContain("unusable: The operation timed out.");
    } finally {
      for (const socket of held) socket.destroy();
      blackHole.close();
    }
  });

  test("both services migrate and serve the catalog flow on a real sqld over HTTP", async () => {
    const sqld = await startSqld();
    try {
      // One server, two services, as at scale: each owns its tables, so they can share a database.
      const second = await startBinary(bins.second, { DATABASE_URL: sqld.url });
      const first = await startBinary(bins.first, {
        DATABASE_URL: `${sqld.url.replace("http:", "libsql:")}?tls=0`,
        SECOND_URL: second.url,
      });
      try {
        const item = await fetch(`${first.url}/items`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "remote", price: 3 }),
        }).then((r) => r.json() as Promise<{ id: number }>);
        await fetch(`${second.url}/stocks/${item.id}`, {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ quantity: 2 }),
        });
        expect(await fetch(`${first.url}/items/available`).then((r) => r.json())).toEqual({
          items: [{ id: item.id, name: "remote", price: 3, quantity: 2 }],
        });
        expect((await fetch(`${first.url}/ready`)).status).toBe(200);
        expect(existsSync(join(first.cwd, "data"))).toBe(false);

        // The server going away turns readiness off without taking the service down.
        await sqld.stop("SIGKILL");
        const ready = await fetch(`${first.url}/ready`);
        expect(ready.status).toBe(503);
        expect((await fetch(`${first.url}/health`)).status).toBe(200);
        const listed = await fetch(`${first.url}/items`);
        expect(listed.status).toBe(503);
      } finally {
        await Promise.all([first.stop(), second.stop()]);
      }
    } finally {
      await sqld.stop("SIGKILL");
    }
  });

  test("replicas starting at once on a fresh server all start: one migrates, the others find it done", async () => {
    // The race is narrow: a few rounds of four replicas each make it show up (it did, 2 of 15 starts, before).
    for (let round = 0; round < 4; round++) {
      const sqld = await startSqld();
      try {
        const started = await Promise.allSettled(
          [1, 2, 3, 4].map(() =>
            startBinary(bins.first, { DATABASE_URL: sqld.url, OTEL_SDK_DISABLED: "true", LOG_LEVEL: "info" }),
          ),
        );
        const replicas = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
        try {
          const failed = started.flatMap((r) => (r.status === "rejected" ? [String(r.reason).slice(0, 300)] : []));
          expect(failed).toEqual([]);
          const migrated = replicas.filter((r) => r.logs().some((line) => line.msg === "database migrated"));
          expect(migrated).toHaveLength(1);
        } finally {
          await Promise.all(replicas.map((r) => r.stop()));
        }
      } finally {
        await sqld.stop("SIGKILL");
      }
    }
  }, 120_000);
});
