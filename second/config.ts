import { commonSpec, type Env, parseConfig, url } from "../shared/config/config";

export const parseSecondConfig = (env: Env) =>
  parseConfig(env, {
    ...commonSpec("second", 5001),
    HTTPBIN_URL: url({ default: "https://httpbin.org", desc: "HTTPBin base URL; POST /delay/0 is called on it" }),
  });

export type SecondConfig = ReturnType<typeof parseSecondConfig>;
