/**
 * The chat-template flags `society train` and `society serve` share: which template renders chats, the day
 * strftime_now() renders, and extra template variables.
 */
import type { Argv } from "yargs";
import type { ChatTemplateOptions } from "../backends/llama/chat-wrapper.js";
import { UserError } from "../errors.js";

export interface ChatTemplateArgs {
  "chat-template"?: string;
  "chat-template-date"?: string;
  "template-var"?: string[];
}

export function chatTemplateOptions<T>(y: Argv<T>): Argv<T & ChatTemplateArgs> {
  return y
    .option("chat-template", {
      type: "string",
      describe:
        "how chats render: model (the GGUF's tokenizer.chat_template, default), auto (node-llama-cpp's built-in choice), a wrapper name (chatML, llama3.1, …) or a .jinja file",
    })
    .option("chat-template-date", {
      type: "string",
      describe: "YYYY-MM-DD: the day the template's strftime_now() renders (default today, UTC)",
    })
    .option("template-var", {
      type: "string",
      array: true,
      describe: "extra template variable name=value (repeatable; true/false/numbers typed), e.g. enable_thinking=false",
    }) as Argv<T & ChatTemplateArgs>;
}

/** The flags as trainer/backend options (undefined when none is given: the defaults apply). */
export function chatTemplateFrom(a: ChatTemplateArgs): ChatTemplateOptions | undefined {
  const date = a["chat-template-date"];
  if (date !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))) {
    throw new UserError(`--chat-template-date must be YYYY-MM-DD (got ${JSON.stringify(date)})`);
  }
  const variables: Record<string, string | number | boolean> = {};
  for (const kv of a["template-var"] ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(kv);
    if (!m) throw new UserError(`--template-var wants name=value (got ${JSON.stringify(kv)})`);
    const v = m[2]!;
    variables[m[1]!] = v === "true" ? true : v === "false" ? false : v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  if (a["chat-template"] === undefined && date === undefined && Object.keys(variables).length === 0) return undefined;
  return { ...(a["chat-template"] !== undefined ? { source: a["chat-template"] } : {}), ...(date ? { date } : {}), variables };
}
