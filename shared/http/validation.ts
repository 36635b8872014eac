import { t, type ValidationError } from "elysia";

// What a 422 says: which field, and what it must be ("quantity must be an integer from 0 to 1000000000"), written
// from the route's schema. The rejected value itself is never echoed (it may be a password).

interface Schema {
  type?: string;
  anyOf?: Schema[];
  format?: string;
  minimum?: number;
  maximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
}

/**
 * An integer in a JSON body. Elysia's `t.Integer` also accepts numeric strings and converts them ("0x10" → 16);
 * this accepts JSON numbers only.
 */
export const jsonInteger = (options: { minimum?: number; maximum?: number } = {}) =>
  t.Number({ ...options, multipleOf: 1 });

function range(what: string, min: number | undefined, max: number | undefined, unit = ""): string {
  if (min !== undefined && max !== undefined) return `${what} from ${min} to ${max}${unit}`;
  if (min !== undefined) return `${what} ≥ ${min}${unit}`;
  if (max !== undefined) return `${what} ≤ ${max}${unit}`;
  return what;
}

function stringLength(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `a string of ${min} to ${max} characters`;
  if (min !== undefined) return `a string of at least ${min} characters`;
  if (max !== undefined) return `a string of at most ${max} characters`;
  return "a string";
}

/** "an integer from 0 to 10", "a string of 1 to 64 characters", … */
export function expectation(schema: Schema): string {
  // Elysia's coercing unions pair the real type with a string `format` twin: name the real one.
  if (schema.anyOf) {
    const members = schema.anyOf.filter((member) => member.format === undefined);
    return (members.length > 0 ? members : schema.anyOf).map(expectation).join(" or ");
  }
  switch (schema.type) {
    case "integer":
      return range("an integer", schema.minimum, schema.maximum);
    case "number":
      return range(schema.multipleOf === 1 ? "an integer" : "a number", schema.minimum, schema.maximum);
    case "string":
      return stringLength(schema.minLength, schema.maxLength);
    case "boolean":
      return "true or false";
    case "object":
      return "an object";
    case "array":
      return "an array";
    default:
      return "valid";
  }
}

/** "quantity must be an integer ≥ 0", "name is required (a string of 1 to 64 characters)", "the body must be an object". */
export function describeValidation(error: ValidationError): string {
  const first = error.valueError;
  if (!first) return `the ${error.type} is invalid`;
  const path = first.path.replace(/^\//, "").replaceAll("/", ".");
  const field = path === "" ? `the ${error.type}` : error.type === "body" ? path : `${error.type}.${path}`;
  const expected = expectation(first.schema as Schema);
  if (first.value === undefined) return `${field} is required (${expected})`;
  return `${field} must be ${expected}`;
}
