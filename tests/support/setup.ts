// Preloaded by `bun test` (bunfig.toml): integration tests build and start real processes, which takes longer
// than bun's 5 s default per test or hook. Compiled binaries and releases (hundreds of MB) go to temp dirs that
// are removed once after the last test file (an afterAll here runs once for the whole run).
import { afterAll, setDefaultTimeout } from "bun:test";
import { removeRunScopedTempDirs } from "./temp-dirs";

setDefaultTimeout(60_000);
afterAll(removeRunScopedTempDirs, 120_000);
