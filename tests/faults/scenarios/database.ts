// 6. The database under concurrent writes, and a SIGKILL in the middle of a stream of them: no lost or duplicated
// rows, a clean restart on the same file, and every write that was acknowledged is still there.
import { describe, expect, test } from "bun:test";
import { outcomeKey, percentile, runLoad, sleep, startLoad, tally, timedFetch, untilCount } from "../lib/load";
import { figure } from "../lib/report";
import { start } from "../lib/suite";

const S = "6 database";
const ITEMS = 1000;
const IN_FLIGHT = 50;

interface Item {
  id: number;
  name: string;
  price: number;
}

const post = (url: string, i: number, prefix: string) =>
  timedFetch(
    "create",
    `${url}/items`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: `${prefix}-${i}`, price: i / 4 }),
    },
    30_000,
  ).then((o) => ({ ...o, i }));

async function listItems(url: string): Promise<Item[]> {
  const response = await fetch(`${url}/items`, { signal: AbortSignal.timeout(30_000) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Item[] }).items;
}

export function database() {
  describe("6. database", () => {
    test(`${ITEMS} concurrent POST /items (${IN_FLIGHT} in flight) → exactly ${ITEMS} rows`, async () => {
      const first = await start("first", { LOG_LEVEL: "warn" });
      const started = performance.now();
      const writes = runLoad({
        concurrency: IN_FLIGHT,
        maxRequests: ITEMS,
        maxMs: 120_000,
        next: (i) => post(first.url, i, "concurrent"),
      });
      // Meanwhile, how long does a request that needs no database wait? (An embedded write blocks the event loop.)
      let writing = true;
      const probes: number[] = [];
      const prober = (async () => {
        while (writing && probes.length < 2000) {
          probes.push((await timedFetch("probe", `${first.url}/fib/1`)).ms);
          await sleep(20);
        }
      })();
      const outcomes = await writes;
      const elapsed = performance.now() - started;
      writing = false;
      await prober;
      const items = await listItems(first.url);
      const names = new Set(items.map((item) => item.name));
      const ids = new Set(items.map((item) => item.id));

      figure(S, `${ITEMS} concurrent creates: answers`, JSON.stringify(tally(outcomes, outcomeKey)));
      figure(S, "creates per second", ITEMS / (elapsed / 1000));
      figure(
        S,
        "GET /fib/1 meanwhile, ms p50 / p99 / max",
        [50, 99, 100].map((p) => percentile(probes, p).toFixed(1)).join(" / "),
      );
      figure(
        S,
        "rows afterwards (distinct names, ids)",
        `${items.length} (${names.size}, ${ids.size})`,
        String(ITEMS),
        items.length === ITEMS,
      );

      expect(tally(outcomes, outcomeKey)).toEqual({ "201": ITEMS });
      expect(items).toHaveLength(ITEMS);
      expect(names.size).toBe(ITEMS);
      expect(ids.size).toBe(ITEMS);
      for (const outcome of outcomes) {
        const created = outcome.body as Item;
        expect(items.find((item) => item.id === created.id)).toEqual(created);
      }
    }, 180_000);

    test("SIGKILL during a stream of writes: clean restart on the same file, every acknowledged row intact", async () => {
      const first = await start("first", { LOG_LEVEL: "info" });
      const load = startLoad({
        concurrency: 8,
        maxRequests: 100_000,
        maxMs: 30_000,
        next: (i) => post(first.url, i, "streamed"),
      });
      const acknowledgedSoFar = () => load.outcomes.filter((o) => o.status === 201).length;
      await sleep(1500);
      await untilCount("writes acknowledged before the kill", acknowledgedSoFar, 50);
      const killed = performance.now();
      await first.stop("SIGKILL");
      const outcomes = await load.stop();
      const acknowledged = outcomes.filter((o) => o.status === 201).map((o) => o.body as Item);
      const unanswered = outcomes.filter((o) => o.status === 0);

      const restarting = performance.now();
      const again = await start("first", { LOG_LEVEL: "info" }, first.cwd);
      const restartMs = performance.now() - restarting;
      const ready = await fetch(`${again.url}/ready`);
      const items = await listItems(again.url);
      const byId = new Map(items.map((item) => [item.id, item]));
      const lost = acknowledged.filter((item) => JSON.stringify(byId.get(item.id)) !== JSON.stringify(item));
      const logs = again.logs();

      figure(S, "writes acknowledged (201) before the kill / cut off", `${acknowledged.length} / ${unanswered.length}`);
      figure(S, "restart on the same file → /health 200 (ms)", restartMs);
      figure(S, "/ready after restart", ready.status, "200", ready.status === 200);
      figure(S, "acknowledged rows missing or changed after restart", lost.length, "0", lost.length === 0);
      figure(S, "rows after restart (acknowledged + cut-off writes that committed)", items.length);

      expect(outcomes.filter((o) => o.status !== 201 && o.status !== 0)).toEqual([]);
      expect(unanswered.every((o) => o.end >= killed)).toBe(true);
      expect(ready.status).toBe(200);
      expect(lost).toEqual([]);
      // Nothing beyond what was sent: acknowledged rows plus, at most, the writes cut off mid-flight.
      expect(items.length).toBeLessThanOrEqual(acknowledged.length + unanswered.length);
      expect(new Set(items.map((i) => i.name)).size).toBe(items.length);
      // Migrations already applied: none run again, and nothing went wrong starting up.
      expect(logs.filter((l) => l.msg === "database migrated")).toEqual([]);
      expect(logs.filter((l) => l.level === "error" || l.level === "fatal" || l.level === "warn")).toEqual([]);
      expect(again.stderr.filter((l) => l.trim() !== "")).toEqual([]);
      // And it keeps working on that file.
      const more = await post(again.url, 1, "after-restart");
      expect(more.status).toBe(201);
      expect(await again.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    }, 120_000);
  });
}
