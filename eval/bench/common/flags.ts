/**
 * The benchmarks' command lines: `--name value` flags declared by their defaults, so that a number flag is
 * parsed (and refused when it is not a number) here once instead of `Number(a.x)` in every script. A flag
 * declared `undefined` is an optional string; a boolean one is a switch. Unknown flags are refused.
 */
import { parseArgs } from "node:util";

type Default = number | string | boolean | undefined;

export type BenchFlags<S extends Record<string, Default>> = {
  [K in keyof S]: S[K] extends number ? number : S[K] extends boolean ? boolean : S[K] extends string ? string : string | undefined;
};

export function benchFlags<const S extends Record<string, Default>>(defaults: S, args?: string[]): BenchFlags<S> {
  const options = Object.fromEntries(
    Object.entries(defaults).map(([name, d]) => [
      name,
      typeof d === "boolean"
        ? { type: "boolean" as const, default: d }
        : { type: "string" as const, ...(d === undefined ? {} : { default: String(d) }) },
    ]),
  );
  const { values } = parseArgs({ options, args });
  return Object.fromEntries(
    Object.entries(defaults).map(([name, d]) => {
      const v = values[name];
      if (typeof d !== "number") return [name, v];
      const n = Number(v);
      if (typeof v !== "string" || v.trim() === "" || !Number.isFinite(n))
        throw new Error(`--${name} wants a number, got ${JSON.stringify(v)}`);
      return [name, n];
    }),
  ) as BenchFlags<S>;
}
