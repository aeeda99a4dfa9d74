import { createHash } from "node:crypto";
import { createWriteStream, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { UserError } from "../../errors.js";

/**
 * The Hugging Face Hub's HTTP API, as much of it as pulling a data set needs (plain fetch):
 *   GET /api/datasets/{repo}/revision/{revision}      → commit sha and dataset card data
 *   GET /api/datasets/{repo}/tree/{sha}?recursive=true → files (paged by Link: rel="next"), LFS sha256
 *   GET /api/datasets/{repo}/parquet/{config}/{split} → the Hub's own Parquet conversion, as URLs
 *   GET /datasets/{repo}/resolve/{sha}/{path}          → a file (LFS files redirect to a CDN)
 * HF_ENDPOINT replaces https://huggingface.co; HF_TOKEN (else the token `hf auth login` saved) is sent as
 * a bearer token, and only to the endpoint's own origin (never to the host a download redirects to).
 */

export interface HubClient {
  endpoint: string;
  token?: string;
  fetch: typeof fetch;
}

export function hubClientFromEnv(env: NodeJS.ProcessEnv = process.env): HubClient {
  const endpoint = (env.HF_ENDPOINT || "https://huggingface.co").replace(/\/+$/, "");
  try {
    new URL(endpoint);
  } catch {
    throw new UserError(`HF_ENDPOINT is not a URL: ${JSON.stringify(env.HF_ENDPOINT)}`);
  }
  return { endpoint, token: env.HF_TOKEN || savedToken(env), fetch: globalThis.fetch };
}

/** The token `hf auth login` saved ($HF_TOKEN_PATH, else $HF_HOME/token, else ~/.cache/huggingface/token). */
function savedToken(env: NodeJS.ProcessEnv): string | undefined {
  const path = env.HF_TOKEN_PATH || join(env.HF_HOME || join(homedir(), ".cache", "huggingface"), "token");
  try {
    return readFileSync(path, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The Hub could not be reached at all (no network, DNS, refused): callers may fall back to the cache. */
export class HubUnreachable extends UserError {
  constructor(url: string, cause: unknown) {
    super(`cannot reach the Hub at ${new URL(url).origin} (${causeText(cause)})`);
  }
}

function causeText(e: unknown): string {
  const c = (e as { cause?: { code?: string; message?: string } })?.cause;
  return c?.code ?? c?.message ?? (e as Error)?.message ?? String(e);
}

const encodePath = (p: string) => p.split("/").map(encodeURIComponent).join("/");

export const repoApi = (c: HubClient, repo: string) => `${c.endpoint}/api/datasets/${encodePath(repo)}`;
export const resolveUrl = (c: HubClient, repo: string, sha: string, path: string) =>
  `${c.endpoint}/datasets/${encodePath(repo)}/resolve/${encodeURIComponent(sha)}/${encodePath(path)}`;

async function request(c: HubClient, url: string, init: RequestInit = {}): Promise<Response> {
  const sameOrigin = new URL(url).origin === new URL(c.endpoint).origin;
  const headers = new Headers(init.headers);
  if (c.token && sameOrigin) headers.set("authorization", `Bearer ${c.token}`);
  try {
    return await c.fetch(url, { ...init, headers, redirect: "manual" });
  } catch (e) {
    throw new HubUnreachable(url, e);
  }
}

/** A request with redirects followed by hand, so the token never leaves the endpoint's origin. */
async function follow(c: HubClient, url: string, what: string, init: RequestInit = {}): Promise<Response> {
  let at = url;
  for (let hops = 0; hops < 10; hops++) {
    const res = await request(c, at, init);
    if (res.status >= 300 && res.status < 400 && res.headers.get("location")) {
      await res.body?.cancel();
      at = new URL(res.headers.get("location")!, at).toString();
      continue;
    }
    if (!res.ok) throw await httpError(c, res, what);
    return res;
  }
  throw new UserError(`${what}: too many redirects (from ${url})`);
}

async function httpError(c: HubClient, res: Response, what: string): Promise<UserError> {
  const body = (await res.text().catch(() => "")).slice(0, 300);
  let detail = body;
  try {
    detail = (JSON.parse(body) as { error?: string }).error ?? body;
  } catch {
    // not JSON: keep the text
  }
  const hint =
    res.status === 401 || res.status === 403
      ? c.token
        ? " (HF_TOKEN is set: does it have access? gated data sets need their terms accepted on the Hub)"
        : " (gated or private: set HF_TOKEN)"
      : res.status === 404
        ? " (check the owner/name, the revision, config and split)"
        : "";
  return new UserError(`${what}: HTTP ${res.status}${detail ? ` — ${detail.trim()}` : ""}${hint}`);
}

export async function getJson<T>(c: HubClient, url: string, what: string): Promise<{ body: T; next?: string }> {
  const res = await follow(c, url, what, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(60_000) });
  let body: T;
  try {
    body = (await res.json()) as T;
  } catch (e) {
    throw new UserError(`${what}: the Hub answered with something that is not JSON (${(e as Error).message})`);
  }
  const link = res.headers.get("link");
  const next = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1] : undefined;
  return { body, next: next ? new URL(next, url).toString() : undefined };
}

export interface Downloaded {
  sha256: string;
  size: number;
}

/**
 * Streams a file to `dest` through a temporary name, hashing as it goes; checks the Hub's own digests when
 * known (LFS sha256, git blob sha1), and only then renames it into place: a failed or interrupted
 * download leaves nothing at `dest`.
 */
export async function download(
  c: HubClient,
  url: string,
  dest: string,
  what: string,
  expect: { sha256?: string; gitSha1?: string; size?: number } = {},
): Promise<Downloaded> {
  const res = await follow(c, url, what);
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = `${dest}.part-${process.pid}`;
  const sha256 = createHash("sha256");
  const chunks: Buffer[] = [];
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      sha256.update(chunk);
      size += chunk.length;
      if (expect.gitSha1) chunks.push(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), tap, createWriteStream(tmp));
    const got = sha256.digest("hex");
    if (expect.size !== undefined && size !== expect.size) throw new UserError(`${what}: got ${size} bytes, the Hub lists ${expect.size}`);
    if (expect.sha256 && got !== expect.sha256) throw new UserError(`${what}: sha256 ${got} differs from the Hub's ${expect.sha256}`);
    if (expect.gitSha1) {
      const blob = createHash("sha1").update(`blob ${size}\0`).update(Buffer.concat(chunks)).digest("hex");
      if (blob !== expect.gitSha1) throw new UserError(`${what}: git blob id ${blob} differs from the Hub's ${expect.gitSha1}`);
    }
    renameSync(tmp, dest);
    return { sha256: got, size };
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e instanceof UserError) throw e;
    throw new UserError(`${what}: download failed (${causeText(e)})`);
  }
}
