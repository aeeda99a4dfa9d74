import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { REPO_ROOT } from "../../util/repo-root.js";
import writeFileAtomic from "write-file-atomic";

/**
 * The local copy of pulled Hub data sets:
 *   <cache>/<owner>/<name>/<sha>/<path in the repository>   the files, by the commit they were pulled at
 *   <cache>/<owner>/<name>/<sha>/manifest.json              which files make each config/split, with sha256
 *   <cache>/<owner>/<name>/refs/<revision>                  the commit a branch or tag pointed at when pulled
 * Default <repo>/runs/datasets, or $SOCIETY_HUB_CACHE. Reading a pinned commit needs no network.
 */

export function defaultHubCache(): string {
  return process.env.SOCIETY_HUB_CACHE ? resolve(process.env.SOCIETY_HUB_CACHE) : resolve(REPO_ROOT, "runs/datasets");
}

export interface ManifestFile {
  /** Path in the repository (or in the Hub's Parquet conversion, under refs-convert-parquet/). */
  path: string;
  sha256: string;
  size: number;
}

export interface Manifest {
  repo: string;
  sha: string;
  endpoint: string;
  configs: string[];
  default_config?: string;
  /** "<config>/<split>" → its files. */
  splits: Record<string, { files: ManifestFile[]; source: "repository" | "parquet-conversion"; pulled_at: string }>;
}

export const isCommitSha = (rev: string) => /^[0-9a-f]{40}$/.test(rev);

export const repoDir = (cache: string, repo: string) => join(cache, ...repo.split("/"));
export const revisionDir = (cache: string, repo: string, sha: string) => join(repoDir(cache, repo), sha);
const refFile = (cache: string, repo: string, revision: string) => join(repoDir(cache, repo), "refs", encodeURIComponent(revision));
const manifestFile = (cache: string, repo: string, sha: string) => join(revisionDir(cache, repo, sha), "manifest.json");

export function readRef(cache: string, repo: string, revision: string): string | undefined {
  if (isCommitSha(revision)) return revision;
  const f = refFile(cache, repo, revision);
  return existsSync(f) ? readFileSync(f, "utf8").trim() : undefined;
}

export function writeRef(cache: string, repo: string, revision: string, sha: string): void {
  if (revision !== sha) atomicWrite(refFile(cache, repo, revision), `${sha}\n`);
}

export function readManifest(cache: string, repo: string, sha: string): Manifest | undefined {
  const f = manifestFile(cache, repo, sha);
  return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as Manifest) : undefined;
}

export function writeManifest(cache: string, m: Manifest): void {
  atomicWrite(manifestFile(cache, m.repo, m.sha), `${JSON.stringify(m, null, 2)}\n`);
}

function atomicWrite(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic.sync(path, text);
}
