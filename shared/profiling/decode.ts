// Reading pprof profiles back: used by the flame-graph tool and the tests.
import { gunzipSync } from "node:zlib";
import { Profile } from "pprof-format";

export interface DecodedProfile {
  profile: Profile;
  strings: string[];
  /** Each sample's stack as function names, caller first (root → leaf). */
  stacks: string[][];
  /** Each sample's stack as "name file:line", caller first. */
  frames: string[][];
  sampleTypes: string[];
  labels: Record<string, string>[];
  /** The profile's free-text comment lines. */
  comments: string[];
}

/** Decodes a gzipped pprof profile the way Parca and `go tool pprof` read it. */
export function decodeProfile(gzipped: Uint8Array): DecodedProfile {
  const profile = Profile.decode(gunzipSync(gzipped));
  const strings = profile.stringTable.strings;
  const str = (i: unknown) => strings[Number(i)] ?? "";
  const functions = new Map(profile.function.map((f) => [Number(f.id), f]));
  const locations = new Map(profile.location.map((l) => [Number(l.id), l]));
  const frameOf = (locationId: unknown) => {
    const line = locations.get(Number(locationId))?.line[0];
    const fn = functions.get(Number(line?.functionId));
    return { name: str(fn?.name), where: `${str(fn?.name)} ${str(fn?.filename)}:${Number(line?.line)}` };
  };
  const stacks = profile.sample.map((s) => [...s.locationId].reverse().map((id) => frameOf(id).name));
  const frames = profile.sample.map((s) => [...s.locationId].reverse().map((id) => frameOf(id).where));
  return {
    profile,
    strings,
    stacks,
    frames,
    sampleTypes: profile.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`),
    labels: profile.sample.map((s) => Object.fromEntries(s.label.map((l) => [str(l.key), str(l.str)]))),
    comments: profile.comment.map(str),
  };
}
