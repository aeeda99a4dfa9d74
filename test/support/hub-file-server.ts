import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AddressInfo } from "node:net";

/**
 * A loopback stand-in for the Hugging Face Hub's file endpoint (`/<repo>/resolve/<rev>/<path>`, with byte
 * ranges and an ETag), serving one local folder, so @huggingface/hub's own readers (e.g.
 * parseSafetensorsMetadata) can check files we write.
 */
export async function serveFolderAsHub(
  dir: string,
  repo = "local/adapter",
): Promise<{ url: string; repo: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const m = new RegExp(`^/${repo}/resolve/[^/]+/(.+)$`).exec(decodeURIComponent(req.url ?? ""));
    let body: Buffer;
    try {
      if (!m || m[1]!.includes("..")) throw new Error("not found");
      body = readFileSync(join(dir, m[1]!));
    } catch {
      res.writeHead(404, { "X-Error-Code": "EntryNotFound" }).end();
      return;
    }
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    const headers = { ETag: `"${body.length}"`, "Content-Type": "application/octet-stream", "Accept-Ranges": "bytes" };
    if (!range) return void res.writeHead(200, headers).end(body);
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
    res.writeHead(206, { ...headers, "Content-Range": `bytes ${start}-${end}/${body.length}` }).end(body.subarray(start, end + 1));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, repo, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
