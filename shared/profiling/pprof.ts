import { Line, Location, Function as PprofFunction, Profile, Sample, StringTable, ValueType } from "pprof-format";
import type { SampledStack, StackFrame } from "../runtime/runtime";

export interface CpuProfileInput {
  /** Sampled stacks' frames (innermost first), each with its pprof labels (e.g. trace_id), if any. */
  samples: Array<Pick<SampledStack, "frames"> & { labels?: Record<string, string> }>;
  intervalNanos: number;
  startNanos: number;
  durationNanos: number;
  /** Free-text lines stored in the profile (pprof `comment`), e.g. "service.instance.id=…". */
  comments?: string[];
}

/**
 * A pprof CPU profile as Parca expects it: sample types samples/count and cpu/nanoseconds, period in CPU
 * nanoseconds, sequential function and location ids, time and duration set. Not compressed.
 */
export function encodeCpuProfile({
  samples,
  intervalNanos,
  startNanos,
  durationNanos,
  comments = [],
}: CpuProfileInput): Uint8Array {
  const strings = new StringTable();
  const functions: PprofFunction[] = [];
  const locations: Location[] = [];
  const functionIds = new Map<string, number>();
  const locationIds = new Map<string, number>();

  const functionId = (frame: StackFrame) => {
    const key = `${frame.name}\0${frame.file}`;
    let id = functionIds.get(key);
    if (id === undefined) {
      id = functions.length + 1;
      const name = strings.dedup(frame.name || "(anonymous)");
      functions.push(new PprofFunction({ id, name, systemName: name, filename: strings.dedup(frame.file) }));
      functionIds.set(key, id);
    }
    return id;
  };

  const locationId = (frame: StackFrame) => {
    const key = `${frame.name}\0${frame.file}\0${frame.line}\0${frame.column}`;
    let id = locationIds.get(key);
    if (id === undefined) {
      id = locations.length + 1;
      locations.push(
        new Location({
          id,
          line: [new Line({ functionId: functionId(frame), line: frame.line, column: frame.column })],
        }),
      );
      locationIds.set(key, id);
    }
    return id;
  };

  const sampleType = [
    new ValueType({ type: strings.dedup("samples"), unit: strings.dedup("count") }),
    new ValueType({ type: strings.dedup("cpu"), unit: strings.dedup("nanoseconds") }),
  ];
  const encodedSamples = samples
    .filter((s) => s.frames.length > 0)
    .map(
      (s) =>
        new Sample({
          locationId: s.frames.map(locationId),
          value: [1, intervalNanos],
          label: Object.entries(s.labels ?? {}).map(([key, value]) => ({
            key: strings.dedup(key),
            str: strings.dedup(value),
          })),
        }),
    );

  return new Profile({
    sampleType,
    sample: encodedSamples,
    location: locations,
    function: functions,
    stringTable: strings,
    timeNanos: startNanos,
    durationNanos,
    periodType: new ValueType({ type: strings.dedup("cpu"), unit: strings.dedup("nanoseconds") }),
    period: intervalNanos,
    comment: comments.map((line) => strings.dedup(line)),
  }).encode();
}
