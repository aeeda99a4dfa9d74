/**
 * A real HTTP server on loopback speaking the Hugging Face Hub's routes for data sets, over files the
 * test makes, so the real client code (fetch, redirects, paging, digests) runs against it:
 *   GET /api/datasets/{owner}/{name}/revision/{revision}   commit sha, cardData, siblings
 *   GET /api/datasets/{owner}/{name}/tree/{sha}?recursive=true   paged with Link: rel="next"
 *   GET /api/datasets/{owner}/{name}/parquet[/{config}/{split}[/{n}.parquet]]   the Parquet conversion
 *   GET /datasets/{owner}/{name}/resolve/{revision}/{path}  plain files; LFS files redirect to a second
 *       server (another origin, like the Hub's CDN), which records whether a token reached it.
 * A gated repository answers 401 without `Authorization: Bearer <token>`.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface HubFile {
  path: string;
  content: Buffer | string;
  /** Stored with Git LFS (served through the CDN redirect; the tree lists its sha256). */
  lfs?: boolean;
}

export interface HubRepo {
  repo: string;
  files: HubFile[];
  cardData?: unknown;
  gated?: boolean;
  /** Config → split → files of the Hub's own Parquet conversion. */
  conversion?: Record<string, Record<string, Buffer[]>>;
  /** Serve these paths with different bytes than the tree describes (a corrupted download). */
  corrupt?: string[];
}

export interface LoopbackHub {
  url: string;
  cdnUrl: string;
  /** Every request: which server, path, and whether it carried a token. */
  requests: Array<{ server: "hub" | "cdn"; path: string; auth: boolean }>;
  /** The commit sha each repository's main points at. */
  shaOf(repo: string): string;
  close(): Promise<void>;
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const gitBlob = (b: Buffer) => createHash("sha1").update(`blob ${b.length}\0`).update(b).digest("hex");

export async function startLoopbackHub(repos: HubRepo[], opts: { token?: string; pageSize?: number } = {}): Promise<LoopbackHub> {
  const requests: LoopbackHub["requests"] = [];
  const blobs = new Map<string, Buffer>();
  const commits = new Map<string, { sha: string; repo: HubRepo; files: Map<string, Buffer> }>();
  for (const r of repos) {
    const files = new Map(r.files.map((f) => [f.path, Buffer.from(f.content)]));
    const sha = createHash("sha1")
      .update(r.repo)
      .update(JSON.stringify([...files].map(([p, b]) => [p, sha256(b)])))
      .digest("hex");
    commits.set(r.repo, { sha, repo: r, files });
    for (const f of r.files) if (f.lfs) blobs.set(sha256(Buffer.from(f.content)), Buffer.from(f.content));
  }
  const pageSize = opts.pageSize ?? 1000;

  const cdn = createServer((req, res) => {
    requests.push({ server: "cdn", path: req.url ?? "", auth: !!req.headers.authorization });
    const m = /^\/blobs\/([0-9a-f]{64})$/.exec(req.url ?? "");
    const blob = m && blobs.get(m[1]!);
    if (!blob) return send(res, 404, { error: "no such blob" });
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": blob.length }).end(blob);
  });
  await listen(cdn);
  const cdnUrl = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`;

  const hub = createServer((req, res) => {
    requests.push({ server: "hub", path: req.url ?? "", auth: !!req.headers.authorization });
    try {
      route(req, res);
    } catch (e) {
      send(res, 500, { error: (e as Error).message });
    }
  });
  await listen(hub);
  const url = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;

  function find(req: IncomingMessage, res: ServerResponse, repo: string, revision?: string) {
    const c = commits.get(repo);
    if (!c) return void send(res, 404, { error: "Repository not found" }, { "x-error-code": "RepoNotFound" });
    if (c.repo.gated && req.headers.authorization !== `Bearer ${opts.token}`) {
      return void send(res, 401, {
        error: `Access to dataset ${repo} is restricted. You must have access to it and be authenticated to access it.`,
      });
    }
    if (revision !== undefined && revision !== "main" && revision !== c.sha) {
      return void send(res, 404, { error: `Invalid rev id: ${revision}` }, { "x-error-code": "RevisionNotFound" });
    }
    return c;
  }

  function route(req: IncomingMessage, res: ServerResponse) {
    const u = new URL(req.url ?? "/", url);
    const p = u.pathname.split("/").map(decodeURIComponent);
    // ["", "api", "datasets", owner, name, ...rest]
    if (p[1] === "api" && p[2] === "datasets" && p.length >= 6) {
      const repo = `${p[3]}/${p[4]}`;
      const [kind, ...rest] = p.slice(5);
      if (kind === "revision") {
        const c = find(req, res, repo, rest.join("/"));
        if (!c) return;
        return send(res, 200, {
          _id: "x",
          id: repo,
          sha: c.sha,
          private: false,
          gated: c.repo.gated ? "auto" : false,
          cardData: c.repo.cardData,
          siblings: [...c.files.keys()].map((rfilename) => ({ rfilename })),
        });
      }
      if (kind === "tree") {
        const c = find(req, res, repo, rest[0]);
        if (!c) return;
        const dirs = new Set<string>();
        for (const f of c.files.keys())
          f.split("/")
            .slice(0, -1)
            .forEach((_, i, a) => dirs.add(a.slice(0, i + 1).join("/")));
        const entries = [
          ...[...dirs].map((d) => ({ type: "directory", oid: "0".repeat(40), size: 0, path: d })),
          ...[...c.files].map(([path, b]) => {
            const lfs = c.repo.files.find((f) => f.path === path)!.lfs;
            return {
              type: "file",
              oid: gitBlob(b),
              size: lfs ? 134 : b.length,
              path,
              ...(lfs ? { lfs: { oid: sha256(b), size: b.length, pointerSize: 134 } } : {}),
            };
          }),
        ];
        const cursor = Number(u.searchParams.get("cursor") ?? 0);
        const page = entries.slice(cursor, cursor + pageSize);
        const headers: Record<string, string> = {};
        if (cursor + pageSize < entries.length)
          headers.link = `<${url}${u.pathname}?recursive=true&cursor=${cursor + pageSize}>; rel="next"`;
        return send(res, 200, page, headers);
      }
      if (kind === "parquet") {
        const c = find(req, res, repo);
        if (!c) return;
        const conv = c.repo.conversion ?? {};
        const urls = (config: string, split: string) =>
          (conv[config]?.[split] ?? []).map((_, n) => `${url}/api/datasets/${repo}/parquet/${config}/${split}/${n}.parquet`);
        if (rest.length === 0)
          return send(
            res,
            200,
            Object.fromEntries(
              Object.entries(conv).map(([cf, s]) => [cf, Object.fromEntries(Object.keys(s).map((sp) => [sp, urls(cf, sp)]))]),
            ),
          );
        const [config, split, file] = rest;
        if (!conv[config!]?.[split!]) return send(res, 404, { error: "Not found" });
        if (!file) return send(res, 200, urls(config!, split!));
        const b = conv[config!]![split!]![Number(file.replace(".parquet", ""))];
        if (!b) return send(res, 404, { error: "Not found" });
        return void res.writeHead(200, { "content-length": b.length }).end(b);
      }
    }
    if (p[1] === "datasets" && p[4] === "resolve") {
      const repo = `${p[2]}/${p[3]}`;
      const c = find(req, res, repo, p[5]);
      if (!c) return;
      const path = p.slice(6).join("/");
      const b = c.files.get(path);
      if (!b) return send(res, 404, { error: "Entry not found" }, { "x-error-code": "EntryNotFound" });
      const served = c.repo.corrupt?.includes(path) ? Buffer.concat([b, Buffer.from("x")]) : b;
      if (c.repo.files.find((f) => f.path === path)!.lfs) {
        if (c.repo.corrupt?.includes(path)) blobs.set(sha256(b), served);
        return void res.writeHead(302, { location: `${cdnUrl}/blobs/${sha256(b)}` }).end();
      }
      return void res.writeHead(200, { "content-length": served.length }).end(served);
    }
    send(res, 404, { error: `no route ${u.pathname}` });
  }

  return {
    url,
    cdnUrl,
    requests,
    shaOf: (repo) => commits.get(repo)!.sha,
    close: async () => {
      await Promise.all(
        [hub, cdn].map(
          (s) =>
            new Promise<void>((done) => {
              s.closeAllConnections();
              s.close(() => done());
            }),
        ),
      );
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(text);
}

function listen(s: Server): Promise<void> {
  return new Promise((done) => s.listen(0, "127.0.0.1", () => done()));
}
