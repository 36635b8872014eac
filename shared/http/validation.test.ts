import { describe, expect, test } from "bun:test";
import { t } from "elysia";
import { expectation } from "./validation";

describe("what a 422 says is expected", () => {
  test.each([
    [t.Integer({ minimum: 0 }), "an integer ≥ 0"],
    [t.Number({ maximum: 5 }), "a number ≤ 5"],
    [t.Number({ minimum: 0, maximum: 1, multipleOf: 1 }), "an integer from 0 to 1"],
    [t.Number(), "a number"],
    [t.String({ minLength: 2 }), "a string of at least 2 characters"],
    [t.String({ maxLength: 8 }), "a string of at most 8 characters"],
    [t.String(), "a string"],
    [t.Boolean(), "true or false"],
    [t.Array(t.String()), "an array"],
    [t.Object({}), "an object"],
    [t.Union([t.String(), t.Number()]), "a string or a number"],
  ])("%p → %p", (schema, text) => {
    expect(expectation(schema as Parameters<typeof expectation>[0])).toBe(text);
  });
});
