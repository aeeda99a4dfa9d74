import { existsSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { UserError } from "../errors.js";

/**
 * Local data files named by a path or a pattern. In a pattern, `*` matches within one name and `{name}`
 * matches like `*` and records the matched text as the row column `name` (e.g.
 * `mmlu/test/{subject}_test.csv`). Matches are sorted, so rows come in a stable order.
 */

export interface LocalFile {
  path: string;
  /** Values of the pattern's {name} parts. */
  captures: Record<string, string>;
  /** For patterns: what tells this file's rows apart from other files' (captures, else the matched path). */
  key?: string;
}

export const isPattern = (p: string) => /[*{]/.test(p);

export function localFiles(pattern: string, baseDir: string): LocalFile[] {
  const abs = isAbsolute(pattern) ? pattern : resolve(baseDir, pattern);
  if (!isPattern(abs)) {
    if (!existsSync(abs)) throw new UserError(`${abs}: no such file`);
    return [{ path: abs, captures: {} }];
  }
  const parts = abs.split(sep);
  const fixed = parts.findIndex((p) => isPattern(p));
  const root = parts.slice(0, fixed).join(sep) || sep;
  let found: LocalFile[] = [{ path: root, captures: {} }];
  for (const [k, part] of parts.slice(fixed).entries()) {
    const last = fixed + k === parts.length - 1;
    const { re, names } = segmentRegex(part);
    const next: LocalFile[] = [];
    for (const f of found) {
      if (!isPattern(part)) {
        const p = join(f.path, part);
        if (existsSync(p)) next.push({ path: p, captures: f.captures });
        continue;
      }
      let entries: string[];
      try {
        entries = readdirSync(f.path).sort();
      } catch {
        continue;
      }
      for (const e of entries) {
        const m = re.exec(e);
        if (!m) continue;
        const p = join(f.path, e);
        if (last ? !statSync(p).isFile() : !statSync(p).isDirectory()) continue;
        const captures = { ...f.captures };
        names.forEach((n, i) => (captures[n] = m[i + 1]!));
        next.push({ path: p, captures });
      }
    }
    found = next;
  }
  if (found.length === 0) throw new UserError(`${abs}: no file matches this pattern`);
  return found.map((f) => ({
    ...f,
    key: Object.keys(f.captures).length
      ? Object.values(f.captures).join("-")
      : relative(root, f.path)
          .replace(/\.[^./\\]+$/, "")
          .split(sep)
          .join("/"),
  }));
}

function segmentRegex(part: string): { re: RegExp; names: string[] } {
  const names: string[] = [];
  let src = "";
  for (const piece of part.split(/(\*|\{[A-Za-z_][\w]*\})/)) {
    if (piece === "*") src += "[^/\\\\]*";
    else if (/^\{[A-Za-z_]\w*\}$/.test(piece)) {
      names.push(piece.slice(1, -1));
      src += "([^/\\\\]+?)";
    } else src += piece.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  }
  return { re: new RegExp(`^${src}$`), names };
}
