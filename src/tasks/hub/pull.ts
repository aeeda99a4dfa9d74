import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../errors.js";
import { withFileLock } from "../../util/file-lock.js";
import { dataFileSha256 } from "../read/rows.js";
import {
  defaultHubCache,
  isCommitSha,
  readManifest,
  readRef,
  repoDir,
  revisionDir,
  writeManifest,
  writeRef,
  type Manifest,
  type ManifestFile,
} from "./cache.js";
import { download, getJson, hubClientFromEnv, HubUnreachable, repoApi, resolveUrl, type HubClient } from "./client.js";
import { configNames, defaultConfig, splitFiles } from "./splits.js";

/**
 * Pulling a Hub data set's config/split files into the local cache, or finding them there. Online, a
 * branch or tag is resolved to its commit, the files are listed and only what the cache lacks is
 * downloaded (each checked against the Hub's digest). Offline (HF_HUB_OFFLINE=1, or the Hub unreachable)
 * the cache alone answers; a pinned commit already cached is read without asking the Hub at all.
 */

export interface PullRequest {
  /** owner/name */
  repo: string;
  /** Branch, tag or commit; default main. */
  revision?: string;
  /** Config names, "all", or undefined for the data set's default. */
  configs?: string[] | "all";
  /** Split names; undefined for every split of each config. */
  splits?: string[];
}

export interface PulledFile extends ManifestFile {
  /** Where it lies on this machine. */
  local: string;
}

export interface PulledSplit {
  config: string;
  split: string;
  source: "repository" | "parquet-conversion";
  files: PulledFile[];
}

export interface PullResult {
  repo: string;
  revision: string;
  sha: string;
  /** Where this commit's files lie. */
  dir: string;
  splits: PulledSplit[];
  /** How it was answered: downloads (online), the cache after asking the Hub, or the cache alone. */
  mode: "online" | "offline";
  downloaded: number;
}

export interface PullOptions {
  cacheDir?: string;
  client?: HubClient;
  offline?: boolean;
  /** Progress (one line per split pulled). */
  log?: (line: string) => void;
  /** Falling back to the cache because the Hub is unreachable (default: stderr). */
  warn?: (line: string) => void;
}

export function splitRepo(spec: string): { repo: string; revision?: string } {
  const [repo, revision] = spec.split("@");
  if (!repo || !/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(repo) || spec.split("@").length > 2 || revision === "") {
    throw new UserError(`"${spec}" is not a Hub data set (owner/name, optionally @revision)`);
  }
  return { repo, revision };
}

const envOffline = () => /^(1|true|yes|on)$/i.test(process.env.HF_HUB_OFFLINE ?? "");

export async function pullDataset(req: PullRequest, opts: PullOptions = {}): Promise<PullResult> {
  const cache = opts.cacheDir ?? defaultHubCache();
  const revision = req.revision ?? "main";
  const log = opts.log ?? (() => {});
  const cached = fromCache(cache, req, revision, { quiet: true });
  if (cached && isCommitSha(revision)) return cached;
  if (opts.offline ?? envOffline()) return fromCache(cache, req, revision) as PullResult;
  const client = opts.client ?? hubClientFromEnv();
  try {
    return await online(client, cache, req, revision, log);
  } catch (e) {
    if (!(e instanceof HubUnreachable)) throw e;
    const hit = fromCache(cache, req, revision, { quiet: true });
    if (!hit) throw new UserError(`${e.message}; and ${req.repo}@${revision} is not in the cache (${repoDir(cache, req.repo)})`);
    (opts.warn ?? ((l: string) => process.stderr.write(`${l}\n`)))(
      `${e.message}: using the cached copy of ${req.repo}@${revision} (${hit.sha.slice(0, 12)})`,
    );
    return hit;
  }
}

interface TreeEntry {
  type: string;
  path: string;
  size?: number;
  oid?: string;
  lfs?: { oid?: string; sha256?: string; size?: number };
}

async function online(client: HubClient, cache: string, req: PullRequest, revision: string, log: (l: string) => void): Promise<PullResult> {
  const what = `${req.repo}@${revision}`;
  const { body: info } = await getJson<{ sha?: string; cardData?: unknown }>(
    client,
    `${repoApi(client, req.repo)}/revision/${encodeURIComponent(revision)}`,
    what,
  );
  if (!info.sha || !isCommitSha(info.sha)) throw new UserError(`${what}: the Hub's answer names no commit sha`);
  const sha = info.sha;
  const tree: TreeEntry[] = [];
  for (let url: string | undefined = `${repoApi(client, req.repo)}/tree/${sha}?recursive=true`; url;) {
    const page: { body: TreeEntry[]; next?: string } = await getJson<TreeEntry[]>(client, url, `${what}: listing files`);
    if (!Array.isArray(page.body)) throw new UserError(`${what}: the Hub's file listing is not a list`);
    tree.push(...page.body);
    url = page.next;
  }
  const files = new Map(tree.filter((t) => t.type === "file").map((t) => [t.path, t]));
  const configs = req.configs === "all" ? configNames(info.cardData) : (req.configs ?? [defaultConfig(req.repo, info.cardData)]);
  const dir = revisionDir(cache, req.repo, sha);
  let downloaded = 0;
  return withFileLock(join(dir, ".pull.lock"), async () => {
    const manifest: Manifest = readManifest(cache, req.repo, sha) ?? {
      repo: req.repo,
      sha,
      endpoint: client.endpoint,
      configs: [],
      splits: {},
    };
    manifest.configs = configNames(info.cardData);
    manifest.default_config = safe(() => defaultConfig(req.repo, info.cardData));
    const splits: PulledSplit[] = [];
    for (const config of configs) {
      const bySplit = splitFiles(req.repo, info.cardData, config, [...files.keys()]);
      const wanted = req.splits ?? Object.keys(bySplit);
      if (wanted.length === 0) wanted.push(...(await conversionSplits(client, req.repo, config, what)));
      for (const split of wanted) {
        const paths = bySplit[split] ?? [];
        let pulled: ManifestFile[];
        let source: PulledSplit["source"] = "repository";
        if (paths.length) {
          pulled = [];
          for (const p of paths) {
            const t = files.get(p)!;
            const lfsSha = t.lfs?.sha256 ?? t.lfs?.oid;
            const got = await fetchFile(client, resolveUrl(client, req.repo, sha, p), join(dir, p), `${what}: ${p}`, {
              sha256: lfsSha,
              gitSha1: t.lfs ? undefined : t.oid,
              size: t.lfs?.size ?? t.size,
            });
            downloaded += got.fresh ? 1 : 0;
            pulled.push({ path: p, sha256: got.sha256, size: got.size });
          }
        } else {
          const known = Object.keys(bySplit);
          const urls = await getJson<string[]>(
            client,
            `${repoApi(client, req.repo)}/parquet/${encodeURIComponent(config)}/${encodeURIComponent(split)}`,
            `${what}: config "${config}" has no split "${split}"${known.length ? ` (it has ${known.join(", ")})` : ""}; the Hub's Parquet conversion`,
          ).then((r) => r.body);
          if (!Array.isArray(urls) || urls.length === 0) throw new UserError(`${what}: config "${config}" has no split "${split}"`);
          source = "parquet-conversion";
          pulled = [];
          for (const [k, url] of urls.entries()) {
            const p = `refs-convert-parquet/${config}/${split}/${k}.parquet`;
            const got = await fetchFile(client, new URL(url, client.endpoint).toString(), join(dir, p), `${what}: ${url}`, {});
            downloaded += got.fresh ? 1 : 0;
            pulled.push({ path: p, sha256: got.sha256, size: got.size });
          }
        }
        manifest.splits[`${config}/${split}`] = { files: pulled, source, pulled_at: new Date().toISOString() };
        splits.push({ config, split, source, files: pulled.map((f) => ({ ...f, local: join(dir, f.path) })) });
        log(`${req.repo}@${sha.slice(0, 12)} ${config}/${split}: ${pulled.length} file(s)`);
      }
    }
    writeManifest(cache, manifest);
    writeRef(cache, req.repo, revision, sha);
    return { repo: req.repo, revision, sha, dir, splits, mode: "online", downloaded } satisfies PullResult;
  });
}

async function conversionSplits(client: HubClient, repo: string, config: string, what: string): Promise<string[]> {
  const { body } = await getJson<Record<string, Record<string, string[]>>>(
    client,
    `${repoApi(client, repo)}/parquet`,
    `${what}: no data files; the Hub's Parquet conversion`,
  );
  const splits = Object.keys(body?.[config] ?? {});
  if (!splits.length) throw new UserError(`${what}: config "${config}" has no data files and no Parquet conversion`);
  return splits;
}

/** Reuses a cached file whose size and sha256 match what is expected; downloads otherwise. */
async function fetchFile(
  client: HubClient,
  url: string,
  dest: string,
  what: string,
  expect: { sha256?: string; gitSha1?: string; size?: number },
) {
  if (existsSync(dest) && (expect.size === undefined || statSync(dest).size === expect.size) && (expect.sha256 || expect.gitSha1)) {
    const sha256 = dataFileSha256(dest);
    if (!expect.sha256 || sha256 === expect.sha256) return { sha256, size: statSync(dest).size, fresh: false };
  }
  return { ...(await download(client, url, dest, what, expect)), fresh: true };
}

/** The request answered by the cache alone, or undefined (quiet) / a UserError saying what is missing. */
function fromCache(cache: string, req: PullRequest, revision: string, o: { quiet?: boolean } = {}): PullResult | undefined {
  const fail = (why: string) => {
    if (o.quiet) return undefined;
    const pull = `society data pull ${req.repo}${req.revision ? ` --revision ${req.revision}` : ""}`;
    throw new UserError(`offline: ${req.repo}@${revision} ${why} (cache ${repoDir(cache, req.repo)}); run \`${pull}\` once with network`);
  };
  const sha = readRef(cache, req.repo, revision);
  const manifest = sha && readManifest(cache, req.repo, sha);
  if (!sha || !manifest) return fail("is not in the cache");
  const configs = req.configs === "all" ? manifest.configs : (req.configs ?? (manifest.default_config ? [manifest.default_config] : []));
  if (!configs.length) return fail("has no default config: name one");
  const dir = revisionDir(cache, req.repo, sha);
  const splits: PulledSplit[] = [];
  for (const config of configs) {
    const names =
      req.splits ??
      Object.keys(manifest.splits)
        .filter((k) => k.startsWith(`${config}/`))
        .map((k) => k.slice(config.length + 1));
    if (!names.length) return fail(`config "${config}" is not in the cache`);
    for (const split of names) {
      const entry = manifest.splits[`${config}/${split}`];
      if (!entry) return fail(`${config}/${split} is not in the cache`);
      const files: PulledFile[] = [];
      for (const f of entry.files) {
        const local = join(dir, f.path);
        if (!existsSync(local)) return fail(`${config}/${split}: ${f.path} is missing from the cache`);
        if (dataFileSha256(local) !== f.sha256) {
          if (o.quiet) return undefined;
          throw new UserError(`${local}: sha256 differs from the one recorded when it was pulled (the cached file changed); pull it again`);
        }
        files.push({ ...f, local });
      }
      splits.push({ config, split, source: entry.source, files });
    }
  }
  return { repo: req.repo, revision, sha, dir, splits, mode: "offline", downloaded: 0 };
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
