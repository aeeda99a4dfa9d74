/**
 * Artifacts in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2…) through the maintained `minio` client:
 * object `<prefix>/<sha256>`. A reader downloads into a local cache directory under a temporary name,
 * verifies the sha256, then renames it into place; the cached copy is what it hands out.
 *
 * URL: `s3://bucket/prefix`; the endpoint from `?endpoint=http://host:9000` or $AWS_ENDPOINT_URL (default
 * AWS), the region from `?region=` or $AWS_REGION, keys from $AWS_ACCESS_KEY_ID / $AWS_SECRET_ACCESS_KEY.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { Client } from "minio";
import { UserError } from "../errors.js";
import { fileSha256 } from "../util/file-sha256.js";
import { SHA256_HEX, type ArtifactStore } from "./types.js";

export interface S3StoreOptions {
  /** Where downloaded artifacts are kept. */
  cacheDir: string;
  env?: NodeJS.ProcessEnv;
}

export class S3ArtifactStore implements ArtifactStore {
  readonly location: string;
  private readonly client: Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly cacheDir: string;

  constructor(url: string, opts: S3StoreOptions) {
    const env = opts.env ?? process.env;
    const u = new URL(url);
    if (u.protocol !== "s3:" || !u.hostname) throw new UserError(`artifact store "${url}": expected s3://bucket/prefix`);
    this.bucket = u.hostname;
    this.prefix = u.pathname.replace(/^\/+|\/+$/g, "");
    this.location = `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ""}`;
    const endpoint = u.searchParams.get("endpoint") ?? env.AWS_ENDPOINT_URL ?? "https://s3.amazonaws.com";
    let e: URL;
    try {
      e = new URL(endpoint);
    } catch {
      throw new UserError(`artifact store "${url}": endpoint "${endpoint}" is not a URL`);
    }
    const accessKey = env.AWS_ACCESS_KEY_ID;
    const secretKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKey || !secretKey) throw new UserError(`artifact store ${this.location}: set $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY`);
    this.client = new Client({
      endPoint: e.hostname,
      port: e.port ? Number(e.port) : undefined,
      useSSL: e.protocol === "https:",
      accessKey,
      secretKey,
      region: u.searchParams.get("region") ?? env.AWS_REGION ?? "us-east-1",
      pathStyle: e.hostname !== "s3.amazonaws.com",
    });
    this.cacheDir = resolve(opts.cacheDir);
  }

  async put(path: string, sha256?: string): Promise<string> {
    const actual = await fileSha256(path);
    if (sha256 && sha256 !== actual) throw new UserError(`${path}: sha256 is ${actual}, expected ${sha256}`);
    const key = this.key(actual);
    if (!(await this.stat(key))) await this.client.fPutObject(this.bucket, key, path, { "x-amz-meta-sha256": actual });
    return actual;
  }

  async get(sha256: string, ext = ""): Promise<string> {
    if (!SHA256_HEX.test(sha256)) throw new UserError(`not a sha256: "${sha256}"`);
    const local = join(this.cacheDir, `${sha256}${ext}`);
    if (existsSync(local)) return local; // verified when it was renamed into place
    const key = this.key(sha256);
    if (!(await this.stat(key))) throw new UserError(`artifact ${sha256} is not in ${this.location}`);
    mkdirSync(this.cacheDir, { recursive: true });
    const tmp = `${local}.${process.pid}.${Date.now()}.tmp`;
    try {
      await this.client.fGetObject(this.bucket, key, tmp);
      const actual = await fileSha256(tmp);
      if (actual !== sha256)
        throw new UserError(
          `s3://${this.bucket}/${key}: its bytes hash to ${actual}, not to the sha256 it is stored under (a damaged object; delete it and store it again)`,
        );
      renameSync(tmp, local);
    } finally {
      rmSync(tmp, { force: true });
    }
    return local;
  }

  async has(sha256: string): Promise<boolean> {
    return this.stat(this.key(sha256));
  }

  private key(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new UserError(`not a sha256: "${sha256}"`);
    return `${this.prefix ? `${this.prefix}/` : ""}${sha256}`;
  }

  private async stat(key: string): Promise<boolean> {
    try {
      await this.client.statObject(this.bucket, key);
      return true;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "NotFound" || code === "NoSuchKey") return false;
      throw e;
    }
  }
}
