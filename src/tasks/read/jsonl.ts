import { readFileSync } from "node:fs";
import { UserError } from "../../errors.js";
import type { Row } from "./rows.js";

/** JSON Lines: one object per line; blank lines are skipped but keep their line numbers. */
export function readJsonl(path: string): Row[] {
  const rows: Row[] = [];
  readFileSync(path, "utf8")
    .split("\n")
    .forEach((text, index) => {
      if (!text.trim()) return;
      const where = `${path}:${index + 1}`;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw new UserError(`${where}: not valid JSON (${(e as Error).message})`);
      }
      if (!value || typeof value !== "object" || Array.isArray(value)) throw new UserError(`${where}: expected a JSON object`);
      rows.push({ index, where, line: index + 1, value: value as Record<string, unknown> });
    });
  return rows;
}
