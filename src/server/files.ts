/**
 * Uploaded files (purpose "fine-tune"), kept on disk under <data-dir>/files/ so fine-tuning jobs and a
 * restarted server find them: <id>.jsonl holds the bytes, <id>.json the OpenAI file object. An upload is
 * checked line by line before it is accepted.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Hono } from "hono";
import type { ChatExample } from "../chat.js";
import type { PreferencePair } from "../training/types.js";
import { badRequest, notFound } from "./api-error.js";
import { z } from "zod";
import { readJsonRecords, writeJsonAtomic } from "./json-file.js";
import { checkFineTuneJsonl, describeProblems, type FineTuneFileCheck } from "./jsonl-validate.js";
import { limitBody } from "./limits.js";

export interface FileObject {
  id: string;
  object: "file";
  bytes: number;
  created_at: number;
  filename: string;
  purpose: "fine-tune";
  status: "processed";
  status_details: null;
  expires_at: null;
  /** How many training examples (or preference pairs) the file holds (extension). */
  examples: number;
}

/** What a stored file object must hold to be served again. */
const fileObjectSchema = z
  .object({
    id: z.string().min(1),
    object: z.literal("file"),
    bytes: z.number(),
    created_at: z.number(),
    filename: z.string(),
    purpose: z.literal("fine-tune"),
    examples: z.number(),
  })
  .passthrough();

export class FileStore {
  private readonly dir: string;
  private readonly files = new Map<string, FileObject>();

  /** Reloads the files kept in `dataDir`; a record that cannot be read is skipped with a warning (`log`). */
  constructor(dataDir: string, log: (line: string) => void = () => {}) {
    this.dir = join(dataDir, "files");
    mkdirSync(this.dir, { recursive: true });
    for (const obj of readJsonRecords<FileObject>(this.dir, fileObjectSchema, (f) => f.id, log)) {
      if (existsSync(this.contentPath(obj.id))) this.files.set(obj.id, obj);
      else log(`warning: skipping ${join(this.dir, `${obj.id}.json`)}: its content ${obj.id}.jsonl is missing`);
    }
  }

  private contentPath(id: string): string {
    return join(this.dir, `${id}.jsonl`);
  }

  /** Checks and keeps a training file; a bad file is a 400 naming its lines. */
  upload(filename: string, purpose: string, text: string): FileObject {
    if (purpose !== "fine-tune")
      throw badRequest(`purpose: only "fine-tune" files are accepted here (got ${JSON.stringify(purpose)})`, "purpose");
    const check = checkFineTuneJsonl(text);
    if (!check.ok)
      throw badRequest(`${filename}: invalid training file: ${describeProblems(check.problems)}`, "file", "invalid_training_file");
    const id = `file-${randomUUID().replace(/-/g, "").slice(0, 24)}`;
    const obj: FileObject = {
      id,
      object: "file",
      bytes: Buffer.byteLength(text),
      created_at: Math.floor(Date.now() / 1000),
      filename,
      purpose: "fine-tune",
      status: "processed",
      status_details: null,
      expires_at: null,
      examples: check.kind === "chat" ? check.examples.length : check.pairs.length,
    };
    writeFileSync(this.contentPath(id), text);
    writeJsonAtomic(join(this.dir, `${id}.json`), obj);
    this.files.set(id, obj);
    return obj;
  }

  get(id: string, param = "file_id"): FileObject {
    const f = this.files.get(id);
    if (!f) throw notFound(`no file "${id}"`, param);
    return f;
  }

  content(id: string): string {
    this.get(id);
    return readFileSync(this.contentPath(id), "utf8");
  }

  private check(id: string): FineTuneFileCheck & { ok: true } {
    const check = checkFineTuneJsonl(this.content(id));
    if (!check.ok) throw badRequest(`file ${id}: ${describeProblems(check.problems)}`, "training_file");
    return check;
  }

  /** The chat examples of a file, for supervised jobs (a 400 if it holds preference pairs). */
  examples(id: string): ChatExample[] {
    const check = this.check(id);
    if (check.kind !== "chat")
      throw badRequest(
        `file ${id} holds preference pairs; a supervised job trains on chat examples ({"messages": [...]})`,
        "training_file",
      );
    return check.examples;
  }

  /** The preference pairs of a file, for dpo jobs (a 400 if it holds chat examples). */
  pairs(id: string): PreferencePair[] {
    const check = this.check(id);
    if (check.kind !== "preference")
      throw badRequest(
        `file ${id} holds chat examples; a dpo job trains on preference pairs ({"input", "preferred_output", "non_preferred_output"})`,
        "training_file",
      );
    return check.pairs;
  }

  list(): FileObject[] {
    return [...this.files.values()].sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1));
  }

  delete(id: string): void {
    this.get(id);
    this.files.delete(id);
    rmSync(this.contentPath(id), { force: true });
    rmSync(join(this.dir, `${id}.json`), { force: true });
  }
}

export function addFileRoutes(app: Hono, files: FileStore, maxFileBytes: number): void {
  app.post("/v1/files", limitBody(maxFileBytes), async (c) => {
    let form: Record<string, string | File | (string | File)[]>;
    try {
      form = await c.req.parseBody();
    } catch {
      throw badRequest('expected a multipart/form-data body with fields "file" and "purpose"');
    }
    const file = form.file;
    if (!(file instanceof File)) throw badRequest('missing the "file" field (a JSONL file)', "file");
    const purpose = typeof form.purpose === "string" ? form.purpose : "";
    return c.json(files.upload(file.name || "upload.jsonl", purpose, await file.text()));
  });
  app.get("/v1/files", (c) => {
    const purpose = c.req.query("purpose");
    const data = files.list().filter((f) => !purpose || f.purpose === purpose);
    return c.json({ object: "list", data, has_more: false, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null });
  });
  app.get("/v1/files/:id", (c) => c.json(files.get(c.req.param("id"))));
  app.get("/v1/files/:id/content", (c) => c.text(files.content(c.req.param("id")), 200, { "content-type": "application/jsonl" }));
  app.delete("/v1/files/:id", (c) => {
    files.delete(c.req.param("id"));
    return c.json({ id: c.req.param("id"), object: "file", deleted: true });
  });
}
