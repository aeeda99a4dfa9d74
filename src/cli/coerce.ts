import { UsageError } from "../errors.js";

/**
 * A yargs `coerce` for a whole-number flag declared `type: "string"`: plain decimal digits, a safe integer,
 * at least `min`. (A `type: "number"` flag would let `-1`, `1.5` or `1e3` through, and `abc` as NaN.)
 */
export function wholeNumber(flag: string, min: number): (v: unknown) => number {
  return (v) => {
    const text = String(Array.isArray(v) ? v.at(-1) : v).trim();
    const n = Number(text);
    if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n) || n < min)
      throw new UsageError(`--${flag} wants a whole number ≥ ${min}, got ${JSON.stringify(text)}`);
    return n;
  };
}
