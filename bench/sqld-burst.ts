// How one sqld takes bursts of concurrent single-row inserts, by how many calls are in flight at the server:
// `clients × concurrency` (each client is what one replica opens, with DATABASE_CONCURRENCY = concurrency). Every
// setup gets a fresh sqld and up to `--bursts` bursts of `--size` inserts; a burst with failed inserts ends the
// setup, and one more insert then shows whether sqld still commits at all.
// Usage: npm run bench:sqld-burst [-- --bursts 10 --size 1000 --setups 1x1,1x2,1x4,1x8,1x12,1x20,4x2,4x4]
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { databaseFailure, openDatabase } from "../shared/database/database";
import { startSqld } from "../tests/support/sqld";
import { median } from "./lib";

const { values } = parseArgs({
  options: {
    bursts: { type: "string", default: "10" },
    size: { type: "string", default: "1000" },
    setups: { type: "string", default: "1x1,1x2,1x4,1x8,1x12,1x20,4x2,4x4" },
  },
});
const BURSTS = Number(values.bursts);
const SIZE = Number(values.size);
const TIMEOUT_MS = 5000;

interface Outcome {
  setup: string;
  bursts: number;
  msPerBurst: number[];
  failure?: string;
  afterwards?: string;
}

async function run(clients: number, concurrency: number): Promise<Outcome> {
  const setup = `${clients} × ${concurrency}`;
  const sqld = await startSqld();
  const databases = Array.from({ length: clients }, () =>
    openDatabase(sqld.url, "", {}, { timeoutMs: TIMEOUT_MS, concurrency }),
  );
  try {
    await databases[0]?.client.execute("CREATE TABLE burst (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
    const msPerBurst: number[] = [];
    for (let burst = 0; burst < BURSTS; burst++) {
      const t0 = performance.now();
      const inserts = await Promise.allSettled(
        Array.from({ length: SIZE }, (_, i) =>
          databases[i % clients]?.db.run(sql`INSERT INTO burst (name) VALUES (${`b${burst}-${i}`}) RETURNING id`),
        ),
      );
      const failed = inserts.flatMap((r) => (r.status === "rejected" ? [databaseFailure(r.reason)?.code] : []));
      if (failed.length > 0) {
        const codes = [...new Set(failed)].join(", ");
        const probe = await databases[0]?.db.run(sql`INSERT INTO burst (name) VALUES (${`probe-${burst}`})`).then(
          () => "commits again",
          (error) => `still failing (${databaseFailure(error)?.code})`,
        );
        return {
          setup,
          bursts: burst,
          msPerBurst,
          failure: `burst ${burst + 1}: ${failed.length} failed (${codes})`,
          afterwards: probe,
        };
      }
      msPerBurst.push(performance.now() - t0);
    }
    return { setup, bursts: BURSTS, msPerBurst };
  } finally {
    for (const database of databases) database.close();
    await sqld.stop("SIGKILL");
  }
}

console.log(`sqld, bursts of ${SIZE} concurrent inserts, up to ${BURSTS} per setup, DATABASE_TIMEOUT_MS ${TIMEOUT_MS}`);
console.log("| clients × concurrency | bursts committed | median ms per burst | first failure | one insert after it |");
console.log("|---|---:|---:|---|---|");
for (const spec of values.setups.split(",")) {
  const [clients, concurrency] = spec.split("x").map(Number) as [number, number];
  const o = await run(clients, concurrency);
  const ms = o.msPerBurst.length > 0 ? median(o.msPerBurst).toFixed(0) : "–";
  console.log(`| ${o.setup} | ${o.bursts}/${BURSTS} | ${ms} | ${o.failure ?? "none"} | ${o.afterwards ?? "–"} |`);
}
