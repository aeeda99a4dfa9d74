import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UserError } from "../errors.js";
import { makeDirs } from "../util/dirs.js";
import { pidAlive } from "../util/pid.js";

export type WriteFile = (path: string, body: string | Buffer) => void;

/**
 * Writes a folder all or nothing: `fill` writes into a hidden temp folder beside `dir`, which then
 * replaces `dir` by rename. A failure part-way (a full disk, a crash) leaves `dir` as it was — the old
 * folder or none — never a partial set. `replaceable` says whether an existing `dir` may be replaced
 * (so a mistyped --out never swaps away a folder of other files). Temp folders of dead processes are
 * cleared on the next write.
 */
export async function writeDirAtomic(
  dir: string,
  fill: (write: (name: string, body: string | Buffer) => void) => Promise<void> | void,
  opts: { replaceable: (names: string[]) => boolean; what: string; writeFile?: WriteFile },
): Promise<string[]> {
  const target = resolve(dir);
  const parent = dirname(target);
  const base = basename(target);
  try {
    makeDirs(parent);
  } catch (err) {
    throw new UserError(`cannot write the ${opts.what} ${dir}: ${(err as Error).message}`, { cause: err });
  }
  if (existsSync(target) && !opts.replaceable(readdirSync(target))) {
    throw new UserError(`${dir} holds files that are not a ${opts.what}: refusing to replace it (choose another folder)`);
  }
  clearStale(parent, base);
  const tmp = mkdtempSync(join(parent, `.${base}.tmp-${process.pid}-`));
  const written: string[] = [];
  const writeFile = opts.writeFile ?? writeFileSync;
  try {
    await fill((name, body) => {
      writeFile(join(tmp, name), body);
      written.push(name);
    });
    if (existsSync(target)) {
      // No rename replaces a non-empty folder: move the old one aside, move the new one in, drop the old.
      const old = `${tmp}.old`;
      renameSync(target, old);
      renameSync(tmp, target);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, target);
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (err instanceof UserError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new UserError(
      `cannot write the ${opts.what} ${dir}: ${e.code ? `${e.code}: ` : ""}${e.message.replace(/^\w+: /, "")}; nothing was replaced`,
      { cause: err },
    );
  }
  return written.map((n) => join(dir, n));
}

/** Removes `.<base>.tmp-<pid>-…` folders (and their `.old` twins) left by processes no longer running. */
function clearStale(parent: string, base: string): void {
  const prefix = `.${base}.tmp-`;
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split("-")[0]);
    if (!pidAlive(pid)) rmSync(join(parent, name), { recursive: true, force: true });
  }
}
