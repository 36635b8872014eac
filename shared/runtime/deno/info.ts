import { executableName, type RuntimeInfo } from "../types";
import { denoApi } from "./api";

export function runtimeInfo(): RuntimeInfo {
  const { version } = denoApi();
  return {
    name: "deno",
    version: version.deno,
    description: `Deno ${version.deno} (V8 ${version.v8})`,
    executableName: executableName(),
  };
}
