/** Small JSON files written atomically (write-file-atomic: temp name, fsync, rename), so a crash never leaves half a record. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import writeFileAtomic from "write-file-atomic";
import type { z } from "zod";

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic.sync(path, `${JSON.stringify(value, null, 1)}\n`);
}

/**
 * Every `<id>.json` record in `dir` that parses and fits `schema` (and whose id is its file name). A record
 * that does not (a disk filled mid-write by another tool, a hand edit) is skipped with a warning naming
 * the file, so one bad file never keeps the server from starting.
 */
export function readJsonRecords<T>(dir: string, schema: z.ZodTypeAny, idOf: (record: T) => string, warn: (line: string) => void): T[] {
  const out: T[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith(".json")) continue;
    const path = join(dir, name);
    let problem: string;
    try {
      const parsed = schema.safeParse(JSON.parse(readFileSync(path, "utf8")));
      if (parsed.success) {
        const record = parsed.data as T;
        if (`${idOf(record)}.json` === name) {
          out.push(record);
          continue;
        }
        problem = `its id ${JSON.stringify(idOf(record))} does not match the file name`;
      } else {
        const i = parsed.error.issues[0]!;
        problem = `${i.path.join(".") || "record"}: ${i.message}`;
      }
    } catch (e) {
      problem = e instanceof SyntaxError ? `not valid JSON (${e.message})` : `cannot read it (${(e as Error).message})`;
    }
    warn(`warning: skipping ${path}: ${problem}`);
  }
  return out;
}
