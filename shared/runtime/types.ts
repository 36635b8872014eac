// What every runtime adapter (bun/, deno/) provides, in runtime-neutral types.

/** Handles one request; `peer()` gives the client's IP as the runtime saw it (computed only if asked for). */
export type FetchHandler = (request: Request, peer: () => string | undefined) => Promise<Response>;

export interface ListenOptions {
  port: number;
  hostname: string;
  /** The transport's own body cap (the app enforces a smaller one with a JSON 413). Bun only. */
  maxRequestBodySize: number;
  /** Paths whose responses may take longer than the idle timeout (a 60 s CPU profile). */
  longRunningPaths?: readonly string[];
}

export interface Listener {
  readonly port: number;
  /** Stops accepting; resolves when in-flight requests are done (or at once, cut off, when `force`). */
  stop(force: boolean): Promise<void>;
}

export type Listen = (handler: FetchHandler, options: ListenOptions) => Listener;

export interface RuntimeInfo {
  name: "bun" | "deno";
  version: string;
  description: string;
  executableName: string;
}

export interface StackFrame {
  name: string;
  file: string;
  /** 1-based; 0 when the runtime does not know it. */
  line: number;
  column: number;
}

/** One sample of the JavaScript thread's stack. */
export interface SampledStack {
  /** Seconds on a monotonic clock; only differences matter. */
  timestamp: number;
  /** Innermost frame first. */
  frames: StackFrame[];
}

/** Samples the JavaScript thread's stack every `intervalMicros` while `run` is pending. */
export type SampleCpu = (run: () => Promise<void>, intervalMicros: number) => Promise<SampledStack[]>;

/** The executable's file name, for process.executable.name. */
export const executableName = (): string => process.execPath.split("/").pop() ?? "";
