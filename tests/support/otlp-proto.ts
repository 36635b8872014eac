// The official OTLP protobuf definitions, for tests that decode what twinbin's own encoders write. They come from
// the npm registry, not from this repository: the last @opentelemetry package that ships the .proto files
// (otlp-grpc-exporter-base 0.34.0 loaded them at run time) is packed once into a cache outside the repository.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import type { Attributes } from "@opentelemetry/api";
import protobuf from "protobufjs";

const PACKAGE = "@opentelemetry/otlp-grpc-exporter-base@0.34.0";
const CACHE = join(
  process.env.TWINBIN_CACHE_DIR ?? join(homedir(), ".cache", "twinbin"),
  "otlp-proto",
  "otlp-grpc-exporter-base-0.34.0",
);

/** The folder holding opentelemetry/proto/…; packs and unpacks the package on first use. */
export function otlpProtoDir(): string {
  const protos = join(CACHE, "opentelemetry");
  if (existsSync(protos)) return CACHE;
  const scratch = mkdtempSync(join(tmpdir(), "twinbin-otlp-proto-"));
  try {
    const tarball = execFileSync("npm", ["pack", PACKAGE, "--silent", "--pack-destination", scratch], {
      encoding: "utf8",
    }).trim();
    execFileSync("tar", ["-xzf", join(scratch, tarball), "-C", scratch, "package/build/protos"]);
    mkdirSync(join(CACHE, ".."), { recursive: true });
    rmSync(CACHE, { recursive: true, force: true });
    renameSync(join(scratch, "package/build/protos"), CACHE);
  } catch (error) {
    throw new Error(`could not get the OTLP .proto files from npm (${PACKAGE}): ${(error as Error).message}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return CACHE;
}

/**
 * A protobufjs root with the given service definitions loaded. That package's definitions (opentelemetry-proto
 * v0.19) predate three fields the SDK writes today; they are added here with the numbers and types that
 * opentelemetry-proto gave them later (v1.1: the span and link flags; v1.5: a log record's event name), so that a
 * decoder sees them instead of skipping them as unknown.
 */
export function loadOtlpProto(...files: string[]): protobuf.Root {
  const dir = otlpProtoDir();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(dir, target);
  root.loadSync(files);
  for (const [type, name, id, kind] of [
    ["opentelemetry.proto.trace.v1.Span", "flags", 16, "fixed32"],
    ["opentelemetry.proto.trace.v1.Span.Link", "flags", 6, "fixed32"],
    ["opentelemetry.proto.logs.v1.LogRecord", "eventName", 12, "string"],
  ] as const) {
    const message = root.lookup(type);
    if (message instanceof protobuf.Type && !message.fields[name]) message.add(new protobuf.Field(name, id, kind));
  }
  return root;
}

/** One attribute of every kind OTLP carries (and the edge cases of each); for the encoder tests. */
export const EVERY_ATTRIBUTE_TYPE: Attributes = {
  "a.string": "value",
  "a.empty": "",
  "a.unicode": "naïve café — 東京 🚀",
  "a.long": "x".repeat(300),
  "a.long.unicode": "é".repeat(200),
  "a.true": true,
  "a.false": false,
  "a.zero": 0,
  "a.int": 42,
  "a.negative": -7,
  "a.big": 2 ** 40 + 3,
  "a.min.safe": Number.MIN_SAFE_INTEGER,
  "a.double": 3.25,
  "a.nan": Number.NaN,
  "a.strings": ["a", "", "ü"],
  "a.numbers": [1, 2.5, -3],
  "a.bools": [true, false],
  "a.holes": ["x", null, undefined, "y"] as string[],
};
