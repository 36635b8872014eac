import { executableName, type RuntimeInfo } from "../types";

export const runtimeInfo = (): RuntimeInfo => ({
  name: "bun",
  version: Bun.version,
  description: `Bun ${Bun.version} (${Bun.revision.slice(0, 9)})`,
  executableName: executableName(),
});
