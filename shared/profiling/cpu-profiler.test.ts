import { describe, expect, test } from "bun:test";
import { HttpError } from "../http/errors";
import { createCpuProfiler, DEFAULT_SECONDS, MAX_SECONDS, profileSeconds } from "./cpu-profiler";
import { decodeProfile } from "./decode";

describe("profile duration", () => {
  test("defaults, accepts 1..MAX, and caps larger requests at MAX", () => {
    expect(profileSeconds(undefined)).toBe(DEFAULT_SECONDS);
    expect(profileSeconds("1")).toBe(1);
    expect(profileSeconds(String(MAX_SECONDS))).toBe(MAX_SECONDS);
    expect(profileSeconds("3600")).toBe(MAX_SECONDS);
  });

  test.each(["0", "-5", "x", "2.5", " 3"])("%p is a 400", (raw) => {
    expect(() => profileSeconds(raw)).toThrow(HttpError);
  });
});

describe("cutShort (shutdown)", () => {
  test("ends the profile in progress with what was sampled, and later ones at once", async () => {
    // JavaScript work for the sampler to record, repeated on a fresh profiler while a busy machine left it none.
    let profile: ReturnType<typeof decodeProfile>["profile"] | undefined;
    let profiler = createCpuProfiler(undefined, 1000);
    for (let attempt = 0; attempt < 10 && !profile?.sample.length; attempt++) {
      profiler = createCpuProfiler(undefined, 1000);
      const capture = profiler.capture(60);
      await Bun.sleep(20);
      const until = performance.now() + 100;
      while (performance.now() < until) {
        // spin
      }
      profiler.cutShort();
      profile = decodeProfile(await capture).profile;
      // A 60 s profile that reports well under 60 s of sampling was cut short, and it is still a whole profile.
      expect(Number(profile.durationNanos)).toBeLessThan(30e9);
    }
    expect(profile?.sample.length).toBeGreaterThan(0);

    const later = decodeProfile(await profiler.capture(60)).profile;
    expect(Number(later.durationNanos)).toBeLessThan(30e9);
  });
});
