/** One bad line of a JSONL file: 1-based line number and what is wrong with it. */
export interface JsonlProblem {
  line: number;
  message: string;
}

/**
 * Parses a JSONL file line by line: blank lines are skipped, `parse` turns one object into a row or says what is
 * wrong with it (a string), and the first `maxProblems` bad lines are reported. A file with no rows and no bad
 * line reports `empty` at line 1.
 */
export function checkJsonlRows<T>(
  text: string,
  parse: (obj: unknown) => T | string,
  empty: string,
  maxProblems = 5,
): { ok: true; rows: T[] } | { ok: false; problems: JsonlProblem[] } {
  const rows: T[] = [];
  const problems: JsonlProblem[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length && problems.length < maxProblems; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      problems.push({ line: i + 1, message: `invalid JSON (${(e as Error).message})` });
      continue;
    }
    const r = parse(obj);
    if (typeof r === "string") problems.push({ line: i + 1, message: r });
    else rows.push(r);
  }
  if (problems.length === 0 && rows.length === 0) problems.push({ line: 1, message: empty });
  return problems.length ? { ok: false, problems } : { ok: true, rows };
}
