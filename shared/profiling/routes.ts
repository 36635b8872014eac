import { Elysia } from "elysia";
import { type CpuProfiler, profileSeconds } from "./cpu-profiler";

export const PROFILE_PATH = "/debug/pprof/profile";

/** GET /debug/pprof/profile?seconds=N — what Parca (and `go tool pprof`) scrape: a gzipped pprof CPU profile. */
export const profilingRoutes = (profiler: CpuProfiler) =>
  new Elysia({ name: "pprof" }).get(PROFILE_PATH, async ({ query }) => {
    const seconds = profileSeconds(query.seconds);
    const body = await profiler.capture(seconds);
    return new Response(body, {
      headers: {
        "content-type": "application/octet-stream",
        "content-disposition": 'attachment; filename="profile.pb.gz"',
        "x-profile-seconds": String(seconds),
      },
    });
  });
