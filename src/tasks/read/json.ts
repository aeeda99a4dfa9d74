import { readFileSync } from "node:fs";
import { UserError } from "../../errors.js";
import type { Row } from "./rows.js";

/** A JSON file holding an array of objects (or `{"data": [...]}`, as some exports wrap it). */
export function readJson(path: string): Row[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new UserError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const items = Array.isArray(doc) ? doc : isObject(doc) && Array.isArray(doc.data) ? doc.data : null;
  if (!items) throw new UserError(`${path}: expected a JSON array of objects (or {"data": [...]})`);
  return items.map((value, index) => {
    const where = `${path}: row ${index + 1}`;
    if (!isObject(value)) throw new UserError(`${where}: expected a JSON object`);
    return { index, where, value };
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}
