import { serviceSpec, url } from "../shared/config/config";

/** second's settings: the shared ones plus its own. */
export const secondConfig = {
  ...serviceSpec("second", 5001, "trust"),
  HTTPBIN_URL: url({ default: "https://httpbin.org", desc: "HTTPBin base URL; POST /delay/0 is called on it" }),
};
