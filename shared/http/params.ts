import { badRequest } from "./errors";

/** Parses a path segment as a decimal integer in [min, max], or throws a 400 that says what is allowed. */
export function integerParam(raw: string, name: string, min: number, max: number): number {
  const value = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max)) throw badRequest(`${name} must be an integer from ${min} to ${max}`);
  return value;
}
