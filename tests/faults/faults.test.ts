// Fault tier: the compiled binaries, on loopback, under bounded load while things go wrong: the collector goes
// away, second is killed, HTTPBin is too slow, SIGTERM arrives under load, garbage comes in, the process dies
// mid-write, profiles collide, secrets are sent everywhere. Each scenario asserts its limits and records what it
// measured; the table is printed at the end (and written to $TWINBIN_FAULTS_REPORT when set).
//
//   bun test tests/faults                            CI length (≈ 2 min)
//   TWINBIN_FAULTS_LONG=1 bun test tests/faults      long variants (a 60 s collector outage)
//   TWINBIN_FAULTS_ONLY=1,4 bun test tests/faults    some scenarios only (by number)
import { afterAll, beforeAll } from "bun:test";
import { binaries } from "../support/binaries";
import { publishReport } from "./lib/report";
import { LONG, sharedHttpbin, stopEverything } from "./lib/suite";
import { badInput } from "./scenarios/bad-input";
import { collectorOutage } from "./scenarios/collector-outage";
import { database } from "./scenarios/database";
import { profiling, startCappedProfile } from "./scenarios/profiling";
import { secondKilled } from "./scenarios/second-killed";
import { secrets } from "./scenarios/secrets";
import { sigtermUnderLoad } from "./scenarios/sigterm-under-load";
import { slowHttpbin } from "./scenarios/slow-httpbin";

const only = process.env.TWINBIN_FAULTS_ONLY?.split(",").map((s) => s.trim());
const selected = (n: number) => !only || only.includes(String(n));

beforeAll(async () => {
  await Promise.all([binaries(), sharedHttpbin()]);
  // A 60 s profile that runs in the background while the other scenarios do their work; scenario 7 checks it last.
  if (selected(7)) await startCappedProfile();
}, 120_000);

afterAll(async () => {
  await stopEverything();
  publishReport(`Fault tier (${LONG ? "long" : "CI"} mode), measured on this machine`);
});

if (selected(1)) collectorOutage();
if (selected(2)) secondKilled();
if (selected(3)) slowHttpbin();
if (selected(4)) sigtermUnderLoad();
if (selected(5)) badInput();
if (selected(6)) database();
if (selected(8)) secrets();
// Last: its second test waits for the 60 s profile started before everything else.
if (selected(7)) profiling();
