/**
 * The default artifact store: a directory every machine mounts (NFS, a shared disk), one file per artifact
 * at `<root>/<aa>/<sha256>`. Writes go to a temporary name and are renamed into place, so a reader
 * never sees half a file under a final name; reads verify the sha256 once per process and file version.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileSha256 } from "../util/file-sha256.js";
import { UserError } from "../errors.js";
import { SHA256_HEX, type ArtifactStore } from "./types.js";

export class DirArtifactStore implements ArtifactStore {
  readonly location: string;
  /** path → "size:mtime" of the version already verified. */
  private readonly verified = new Map<string, string>();

  constructor(root: string) {
    this.location = resolve(root);
  }

  async put(path: string, sha256?: string): Promise<string> {
    const actual = await fileSha256(path);
    if (sha256 && sha256 !== actual) throw new UserError(`${path}: sha256 is ${actual}, expected ${sha256}`);
    const dest = this.pathOf(actual);
    if (existsSync(dest)) return actual;
    mkdirSync(join(this.location, actual.slice(0, 2)), { recursive: true });
    const tmp = `${dest}.${process.pid}.${Date.now()}.tmp`;
    try {
      copyFileSync(path, tmp);
      renameSync(tmp, dest);
    } finally {
      rmSync(tmp, { force: true });
    }
    return actual;
  }

  async get(sha256: string): Promise<string> {
    const path = this.pathOf(sha256);
    if (!existsSync(path)) throw new UserError(`artifact ${sha256} is not in ${this.location}`);
    const st = statSync(path);
    const version = `${st.size}:${st.mtimeMs}`;
    if (this.verified.get(path) === version) return path;
    const actual = await fileSha256(path);
    if (actual !== sha256)
      throw new UserError(
        `${path}: its bytes hash to ${actual}, not to the sha256 it is stored under (a damaged copy; delete it and store it again)`,
      );
    this.verified.set(path, version);
    return path;
  }

  async has(sha256: string): Promise<boolean> {
    return existsSync(this.pathOf(sha256));
  }

  private pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new UserError(`not a sha256: "${sha256}"`);
    return join(this.location, sha256.slice(0, 2), sha256);
  }
}
