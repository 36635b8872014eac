import { intBetween, serviceSpec, url } from "../shared/config/config";

/** first's settings: the shared ones plus its own. */
export const firstConfig = {
  ...serviceSpec("first", 5000, "link"),
  SECOND_URL: url({ default: "http://localhost:5001", desc: "base URL of the second service" }),
  CHAIN_SLEEP_MAX_MS: intBetween(0, 60_000)({ default: 1000, desc: "upper bound of POST /'s random sleep" }),
  FIB_MAX_N: intBetween(0, 45)({ default: 35, desc: "largest n GET /fib/:n accepts" }),
};
