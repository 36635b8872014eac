// Preloaded by `bun test` (bunfig.toml): integration tests build and start real processes, which takes longer
// than bun's 5 s default per test or hook.
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(60_000);
