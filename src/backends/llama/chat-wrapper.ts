/**
 * Which chat template a model's chats render with, for training and inference alike: by default the GGUF's
 * own `tokenizer.chat_template` (ModelChatTemplate), else what the config names.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  resolveChatWrapper,
  specializedChatWrapperTypeNames,
  type ChatWrapper,
  type LlamaModel,
  type SpecializedChatWrapperTypeName,
} from "node-llama-cpp";
import { UserError } from "../../errors.js";
import { todayUtc } from "../../util/today.js";
import { ModelChatTemplate, modelSpecialTokens } from "./chat-template.js";
import type { TemplateValue } from "./jinja.js";

export interface ChatTemplateOptions {
  /**
   * "model" (default): the GGUF's tokenizer.chat_template, rendered as Hugging Face renders it (a model
   * without one falls back to node-llama-cpp's choice); "auto": node-llama-cpp's choice of its built-in
   * wrappers; a node-llama-cpp wrapper name ("chatML", "llama3.1", "gemma", …); or a path to a .jinja file.
   */
  source?: string;
  /** YYYY-MM-DD: the day `strftime_now()` renders (Llama 3.2's "Today Date"). Default: today (UTC). Runs pin it. */
  date?: string;
  /** Extra template variables, e.g. `enable_thinking: false` (Qwen3). */
  variables?: Record<string, TemplateValue>;
}

export interface ResolvedChatWrapper {
  wrapper: ChatWrapper;
  /** For logs: which template, its hash and pinned date. */
  description: string;
}

export function chatWrapperFor(model: LlamaModel, opts: ChatTemplateOptions = {}): ResolvedChatWrapper {
  const source = opts.source ?? "model";
  const date = opts.date ?? todayUtc();
  const fromText = (template: string, origin: string): ResolvedChatWrapper => {
    const tokens = model.tokens;
    const wrapper = new ModelChatTemplate({
      template,
      date,
      variables: opts.variables,
      bosToken: tokens.bosString ?? "",
      eosToken: tokens.eosString ?? "",
      eotToken: tokens.eotString ?? undefined,
      specials: modelSpecialTokens(model),
    });
    const sha = createHash("sha256").update(template).digest("hex").slice(0, 12);
    return { wrapper, description: `${origin} (sha256 ${sha}…, date ${date})` };
  };
  if (source === "model") {
    const template = (model.fileInfo.metadata as { tokenizer?: { chat_template?: unknown } }).tokenizer?.chat_template;
    if (typeof template === "string" && template.trim() !== "") return fromText(template, "the model's tokenizer.chat_template");
    const wrapper = resolveChatWrapper(model);
    return { wrapper, description: `node-llama-cpp's ${wrapper.wrapperName} wrapper (the GGUF has no tokenizer.chat_template)` };
  }
  if (source === "auto") {
    const wrapper = resolveChatWrapper(model);
    return { wrapper, description: `node-llama-cpp's ${wrapper.wrapperName} wrapper (chat_template: auto)` };
  }
  if ((specializedChatWrapperTypeNames as readonly string[]).includes(source)) {
    const wrapper = resolveChatWrapper(model, { type: source as SpecializedChatWrapperTypeName });
    return { wrapper, description: `node-llama-cpp's ${wrapper.wrapperName} wrapper (chat_template: ${source})` };
  }
  if (source.endsWith(".jinja")) {
    let text: string;
    try {
      text = readFileSync(source, "utf8");
    } catch (e) {
      throw new UserError(`chat_template: cannot read ${source}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return fromText(text, source);
  }
  throw new UserError(
    `chat_template: unknown source ${JSON.stringify(source)} (use "model", "auto", a .jinja file, or one of ${specializedChatWrapperTypeNames.join(", ")})`,
  );
}
