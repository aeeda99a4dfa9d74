/**
 * The `society serve` app: the OpenAI API surface (models, chat and text completions, files, fine-tuning jobs)
 * over local models, behind an optional API key and body limits, with errors in OpenAI's shape.
 */
import { Hono } from "hono";
import type { LlamaBackend } from "../backends/llama/backend.js";
import { errorBody, onApiError } from "./api-error.js";
import { bearerAuth } from "./auth.js";
import { addChatCompletions } from "./chat-completions.js";
import { addCompletions } from "./completions.js";
import { addFileRoutes, type FileStore } from "./files.js";
import { addFineTuningRoutes } from "./fine-tuning.js";
import type { FineTuneQueue } from "./job-queue.js";
import { limitBody, type ServeLimits } from "./limits.js";
import type { ModelRegistry } from "./model-registry.js";
import { allowedHostsFor, requestGuard, type GuardOptions } from "./request-guard.js";
import type { SocietySpec } from "./society-model.js";

export interface ServeAppOptions {
  backend: LlamaBackend;
  registry: ModelRegistry;
  files: FileStore;
  queue: FineTuneQueue;
  limits: ServeLimits;
  /** When set, every /v1 request needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  society?: SocietySpec;
  /** Host and Origin allow-lists (default: loopback names only, no other origin). */
  guard?: GuardOptions;
}

export function createServeApp(o: ServeAppOptions): Hono {
  const app = new Hono();
  app.onError(onApiError);
  app.notFound((c) => c.json(errorBody({ message: `no route ${c.req.method} ${c.req.path}`, type: "invalid_request_error" }), 404));
  // First: a request from a page the user visits is refused before anything else looks at it.
  app.use("*", requestGuard(o.guard ?? { allowedHosts: allowedHostsFor("127.0.0.1"), allowedOrigins: new Set() }));
  app.get("/health", (c) => c.json({ status: "ok" }));
  if (o.apiKey) for (const path of ["/v1/*", "/tokenize", "/detokenize", "/tokenizer_info"]) app.use(path, bearerAuth(o.apiKey));
  // JSON bodies everywhere but uploads, which have their own (larger) limit.
  const jsonLimit = limitBody(o.limits.maxBodyBytes);
  app.use("/v1/*", async (c, next) => (c.req.method === "POST" && c.req.path === "/v1/files" ? next() : jsonLimit(c, next)));
  app.use("/tokenize", jsonLimit);
  app.use("/detokenize", jsonLimit);

  app.get("/v1/models", (c) => c.json({ object: "list", data: o.registry.list() }));
  app.get("/v1/models/:id{.+}", (c) => {
    const id = c.req.param("id");
    const entry = o.registry.list().find((m) => m.id === id);
    if (!entry) o.registry.get(id); // throws the 404
    return c.json(entry);
  });
  addChatCompletions(app, { backend: o.backend, registry: o.registry, limits: o.limits, society: o.society });
  addCompletions(app, { backend: o.backend, registry: o.registry, limits: o.limits });
  addFileRoutes(app, o.files, o.limits.maxFileBytes);
  addFineTuningRoutes(app, o.queue);
  if (o.society) o.registry.enableSociety();
  return app;
}
