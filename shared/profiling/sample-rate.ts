/** 100 Hz, as Go's pprof: CPU_PROFILE_HZ's default (what a running profile costs: docs/profiling.md). */
export const DEFAULT_SAMPLE_HZ = 100;

/** The sampling interval, in whole microseconds, of `hz` samples per second. */
export const sampleIntervalMicros = (hz: number) => Math.round(1e6 / hz);
