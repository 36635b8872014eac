import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { CONFIG_DOCS_PATH, configurationPage } from "../../tools/config-docs";

test("docs/configuration.md lists every variable as the specs define it (run `npm run docs:config` if not)", () => {
  expect(readFileSync(CONFIG_DOCS_PATH, "utf8")).toBe(configurationPage());
});
