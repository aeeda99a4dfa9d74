/**
 * The model's own chat template (the GGUF's `tokenizer.chat_template`) as a node-llama-cpp chat wrapper, so
 * the trainer and inference render exactly what the model was trained on, the way Hugging Face renders it,
 * instead of node-llama-cpp's built-in look-alikes (its Llama 3.1 wrapper, for one, replaces the template,
 * adds tool instructions and writes today's date).
 *
 * Tokens are what llama.cpp gives for the rendered text with special tokens parsed (how llama-server and
 * transformers tokenize a rendered prompt): the text is cut at every special-token spelling (control,
 * user-defined and unknown tokens, longest first, with their lstrip/rstrip whitespace rules) and the text
 * between two special tokens is tokenized as one run. One deliberate difference: a control-token spelling
 * inside a message's content (a user typing "<|im_end|>") stays text, it does not end the turn.
 *
 * Open replies (a history ending with an assistant message) follow node-llama-cpp's convention: the context
 * ends right after the reply, and the stop trigger is the end-of-generation token the template writes next.
 * The reply's rendering must start with the generation prompt; a template that renders a reply differently
 * from the prompt it is generated after is an error, not a silently shifted loss mask.
 */
import {
  ChatWrapper,
  LlamaText,
  SpecialToken,
  SpecialTokensText,
  type ChatHistoryItem,
  type ChatWrapperGenerateContextStateOptions,
  type ChatWrapperGeneratedContextState,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import { UserError } from "../../errors.js";
import { JinjaChatTemplate, TemplateRaisedError, type TemplateMessage, type TemplateValue } from "./jinja.js";

/** A token the text is cut at, with llama.cpp's attributes for it. */
export interface TemplateSpecialToken {
  text: string;
  /** Control or unknown: a spelling of it inside message content stays text. */
  control: boolean;
  /** End of generation (EOS, EOT, <|im_end|>, …): where a reply's turn ends. */
  eog: boolean;
  lstrip: boolean;
  rstrip: boolean;
}

export interface ModelChatTemplateOptions {
  template: string;
  bosToken: string;
  eosToken: string;
  /** The model's end-of-turn token (EOT), when it has one besides EOS: a stop trigger of generation prompts. */
  eotToken?: string;
  specials: TemplateSpecialToken[];
  /** The day strftime_now() renders, YYYY-MM-DD. */
  date: string;
  /** Extra template variables (e.g. enable_thinking). */
  variables?: Record<string, TemplateValue>;
}

/** A chat the template cannot render as asked (it raised, or it rewrites history): a problem of the data. */
export class ChatTemplateError extends UserError {}

// Private-use sentinels: a control-token spelling inside content travels through the template as
// OPEN index CLOSE, so the template still sees a string of its own, and comes back as plain text.
const OPEN = "\uE000";
const CLOSE = "\uE001";

const isSpace = (c: string) => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\v" || c === "\f";

interface Cut {
  /** Text runs and special tokens, in order. */
  pieces: Array<string | TemplateSpecialToken>;
  /** Offset in the rendered string where each piece starts. */
  at: number[];
}

export class ModelChatTemplate extends ChatWrapper {
  readonly wrapperName = "ModelTemplate";
  override readonly settings = { ...ChatWrapper.defaultSettings, supportsSystemMessages: true };
  private readonly jinja: JinjaChatTemplate;
  private readonly byFirst = new Map<string, TemplateSpecialToken[]>();
  /** Spellings escaped inside content: control tokens, and the sentinels themselves. */
  private readonly escaped: string[];
  private readonly escapeRe: RegExp | undefined;

  constructor(private readonly o: ModelChatTemplateOptions) {
    super();
    this.jinja = new JinjaChatTemplate(o.template, o.date);
    const sorted = [...o.specials].filter((s) => s.text.length > 0).sort((a, b) => b.text.length - a.text.length);
    for (const s of sorted) {
      const list = this.byFirst.get(s.text[0]!) ?? [];
      list.push(s);
      this.byFirst.set(s.text[0]!, list);
    }
    this.escaped = [...sorted.filter((s) => s.control).map((s) => s.text), OPEN, CLOSE];
    const reEsc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    this.escapeRe = new RegExp(this.escaped.map(reEsc).join("|"), "g");
  }

  /** The day strftime_now() renders. */
  get date(): string {
    return this.o.date;
  }

  /** The rendered text, as transformers' apply_chat_template(tokenize=False) gives it. */
  renderText(messages: readonly TemplateMessage[], addGenerationPrompt: boolean): string {
    return this.unescape(this.renderEscaped(messages, addGenerationPrompt));
  }

  override generateContextState({ chatHistory }: ChatWrapperGenerateContextStateOptions): ChatWrapperGeneratedContextState {
    const messages = chatHistory.map(toMessage);
    const last = chatHistory[chatHistory.length - 1];
    const eos = LlamaText(new SpecialToken("EOS"));
    if (last?.type !== "model") {
      return { contextText: this.text(this.cut(this.renderEscaped(messages, false))), stopGenerationTriggers: [eos] };
    }
    const reply = messages[messages.length - 1]!.content;
    const prompt = this.renderEscaped(messages.slice(0, -1), true);
    const triggers = [eos, ...this.eogTriggers()];
    if (reply === "") return { contextText: this.text(this.cut(prompt)), stopGenerationTriggers: triggers };
    const full = this.renderEscaped(messages, false);
    if (!full.startsWith(prompt)) {
      throw new ChatTemplateError(
        `the chat template renders assistant message ${messages.length} differently from the generation prompt it follows ` +
          `(prompt ends ${JSON.stringify(this.unescape(prompt).slice(-60))}, the rendered reply continues ${JSON.stringify(this.unescape(full.slice(0, prompt.length)).slice(-60))}); ` +
          `a reply rendered this way is not what the model generates after that prompt`,
      );
    }
    // The reply's turn ends at the first end-of-generation token the template writes after the prompt.
    const c = this.cut(full);
    let k = c.pieces.findIndex((p, n) => typeof p !== "string" && p.eog && c.at[n]! >= prompt.length);
    if (k < 0) k = c.pieces.length;
    const pieces = c.pieces.slice(0, k);
    const closing = c.pieces[k];
    // An lstrip closing token took the reply's trailing whitespace in the whole render: take it here too.
    if (typeof closing === "object" && closing.lstrip && typeof pieces[pieces.length - 1] === "string") {
      pieces[pieces.length - 1] = (pieces[pieces.length - 1] as string).replace(/[ \t\n\r\v\f]+$/, "");
    }
    return {
      contextText: this.text({ pieces, at: [] }),
      stopGenerationTriggers: typeof closing === "object" ? [eos, LlamaText(new SpecialTokensText(closing.text))] : triggers,
    };
  }

  private eogTriggers(): LlamaText[] {
    return this.o.eotToken && this.o.eotToken !== this.o.eosToken ? [LlamaText(new SpecialTokensText(this.o.eotToken))] : [];
  }

  private renderEscaped(messages: readonly TemplateMessage[], addGenerationPrompt: boolean): string {
    const escaped = messages.map((m) => ({ role: m.role, content: this.escape(m.content) }));
    try {
      return this.jinja.render({
        ...this.o.variables,
        messages: escaped,
        add_generation_prompt: addGenerationPrompt,
        bos_token: this.o.bosToken,
        eos_token: this.o.eosToken,
      });
    } catch (e) {
      if (e instanceof TemplateRaisedError) throw new ChatTemplateError(`the chat template refuses this chat: ${e.message}`);
      throw new ChatTemplateError(`the chat template failed to render: ${(e as Error).message}`);
    }
  }

  private escape(s: string): string {
    if (!this.escapeRe) return s;
    return s.replace(this.escapeRe, (m) => `${OPEN}${this.escaped.indexOf(m)}${CLOSE}`);
  }

  private unescape(s: string): string {
    return s.replace(/\uE000(\d+)\uE001/g, (_, i: string) => this.escaped[Number(i)] ?? "");
  }

  /** The rendered string cut as llama.cpp's tokenizer cuts it (escaped content spellings become text). */
  private cut(s: string): Cut {
    const pieces: Array<string | TemplateSpecialToken> = [];
    const at: number[] = [];
    let run = "";
    let runAt = 0;
    const flush = () => {
      if (run !== "") {
        pieces.push(run);
        at.push(runAt);
      }
      run = "";
    };
    let i = 0;
    while (i < s.length) {
      const ch = s[i]!;
      if (ch === OPEN) {
        const end = s.indexOf(CLOSE, i);
        const lit = end > i ? this.escaped[Number(s.slice(i + 1, end))] : undefined;
        if (lit === undefined)
          throw new ChatTemplateError("the chat template cut a message's content in the middle of a special-token spelling");
        if (run === "") runAt = i;
        run += lit;
        i = end + 1;
        continue;
      }
      if (ch === CLOSE) throw new ChatTemplateError("the chat template cut a message's content in the middle of a special-token spelling");
      const tok = this.byFirst.get(ch)?.find((t) => s.startsWith(t.text, i));
      if (!tok) {
        if (run === "") runAt = i;
        run += ch;
        i++;
        continue;
      }
      if (tok.lstrip) run = run.replace(/[ \t\n\r\v\f]+$/, "");
      flush();
      pieces.push(tok);
      at.push(i);
      i += tok.text.length;
      if (tok.rstrip) while (i < s.length && isSpace(s[i]!)) i++;
    }
    flush();
    return { pieces, at };
  }

  private text(c: Cut): LlamaText {
    return LlamaText(c.pieces.map((p) => (typeof p === "string" ? p : new SpecialTokensText(p.text))));
  }
}

function toMessage(item: ChatHistoryItem): TemplateMessage {
  if (item.type === "system")
    return { role: "system", content: typeof item.text === "string" ? item.text : LlamaText.fromJSON(item.text).toString() };
  if (item.type === "user") return { role: "user", content: item.text };
  const parts = item.response.map((r) => {
    if (typeof r === "string") return r;
    throw new ChatTemplateError("function calls and response segments are not supported by the model-template renderer");
  });
  return { role: "assistant", content: parts.join("") };
}

/** The special tokens of a model's vocabulary, with the attributes llama.cpp gives them. */
export function modelSpecialTokens(model: LlamaModel): TemplateSpecialToken[] {
  const ggml = (model.fileInfo.metadata as { tokenizer?: { ggml?: { tokens?: readonly string[]; token_type?: readonly number[] } } })
    .tokenizer?.ggml;
  const tokens = ggml?.tokens ?? [];
  const types = ggml?.token_type;
  const out: TemplateSpecialToken[] = [];
  for (let id = 0; id < tokens.length; id++) {
    // Token types 2 unknown, 3 control, 4 user-defined (llama_token_type); others are plain vocabulary.
    if (types && types[id] !== 2 && types[id] !== 3 && types[id] !== 4) continue;
    const a = model.getTokenAttributes(id as Token);
    if (!a.control && !a.userDefined && !a.unknown) continue;
    out.push({
      text: tokens[id]!,
      control: a.control || a.unknown,
      eog: model.isEogToken(id as Token),
      lstrip: a.lstrip,
      rstrip: a.rstrip,
    });
  }
  return out;
}
