import { gguf, type GgufValue } from "../gguf-writer.js";

/**
 * A byte-level SentencePiece-style ("llama" / SPM) vocabulary with one token per printable ASCII
 * character, so llama.cpp tokenizes our text one character ≈ one token and a small model can learn
 * arithmetic digit by digit. Anything else (newline, UTF-8) falls back to <0xXX> byte tokens, as SPM does.
 * `tokenize`/`detokenize` here mirror what llama.cpp does with this exact vocabulary (tested against it),
 * so the trainer can pre-tokenize the corpus without loading a model.
 */

/** llama.cpp's llama_token_type. */
export const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/** SPM writes a space as U+2581 "▁". */
export const SPACE_PIECE = "\u2581";

export const SPECIAL = { unk: "<unk>", bos: "<s>", eos: "</s>", imStart: "<|im_start|>", imEnd: "<|im_end|>" } as const;

export interface Vocab {
  tokens: string[];
  scores: number[];
  types: number[];
  ids: Map<string, number>;
  unk: number;
  bos: number;
  eos: number;
  imStart: number;
  imEnd: number;
  /** First of the 256 byte tokens: byte b is `byteBase + b`. */
  byteBase: number;
}

function buildVocab(): Vocab {
  const tokens: string[] = [];
  const types: number[] = [];
  const add = (t: string, type: number) => {
    tokens.push(t);
    types.push(type);
  };
  add(SPECIAL.unk, TOKEN_TYPE.UNKNOWN);
  add(SPECIAL.bos, TOKEN_TYPE.CONTROL);
  add(SPECIAL.eos, TOKEN_TYPE.CONTROL);
  add(SPECIAL.imStart, TOKEN_TYPE.CONTROL);
  add(SPECIAL.imEnd, TOKEN_TYPE.CONTROL);
  const byteBase = tokens.length;
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`, TOKEN_TYPE.BYTE);
  add(SPACE_PIECE, TOKEN_TYPE.NORMAL);
  for (let c = 0x21; c <= 0x7e; c++) add(String.fromCharCode(c), TOKEN_TYPE.NORMAL);
  // Scores only rank merges; with single characters there are none, so any order works.
  const scores = tokens.map((_, i) => (types[i] === TOKEN_TYPE.NORMAL ? -i : 0));
  const ids = new Map(tokens.map((t, i) => [t, i]));
  return { tokens, scores, types, ids, unk: 0, bos: 1, eos: 2, imStart: 3, imEnd: 4, byteBase };
}

export const VOCAB: Vocab = buildVocab();
export const VOCAB_SIZE = VOCAB.tokens.length;

/**
 * The chat template (ChatML), stored in the GGUF as tokenizer.chat_template, which training and inference
 * render (src/backends/llama/chat-wrapper.ts); `renderChat` below writes the same text.
 */
export const CHAT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Tokenizer metadata for the GGUF. eos is </s>; <|im_end|> is end-of-turn, so generation stops there. */
export function tokenizerMetadata(v: Vocab = VOCAB): Record<string, GgufValue> {
  return {
    "tokenizer.ggml.model": gguf.str("llama"),
    "tokenizer.ggml.tokens": gguf.strings(v.tokens),
    "tokenizer.ggml.scores": gguf.f32s(v.scores),
    "tokenizer.ggml.token_type": gguf.i32s(v.types),
    "tokenizer.ggml.bos_token_id": gguf.u32(v.bos),
    "tokenizer.ggml.eos_token_id": gguf.u32(v.eos),
    "tokenizer.ggml.eot_token_id": gguf.u32(v.imEnd),
    "tokenizer.ggml.unknown_token_id": gguf.u32(v.unk),
    "tokenizer.ggml.padding_token_id": gguf.u32(v.eos),
    "tokenizer.ggml.add_bos_token": gguf.bool(true),
    "tokenizer.ggml.add_eos_token": gguf.bool(false),
    // No leading "▁": prompts are concatenated fragments and must tokenize the same in any split.
    "tokenizer.ggml.add_space_prefix": gguf.bool(false),
    "tokenizer.chat_template": gguf.str(CHAT_TEMPLATE),
  };
}

const SPECIAL_STRINGS = Object.values(SPECIAL).sort((a, b) => b.length - a.length);

function tokenizeRaw(text: string, out: number[], v: Vocab) {
  for (const ch of text) {
    const piece = ch === " " ? SPACE_PIECE : ch;
    const id = v.ids.get(piece);
    if (id !== undefined && v.types[id] === TOKEN_TYPE.NORMAL) {
      out.push(id);
      continue;
    }
    for (const b of Buffer.from(ch, "utf8")) out.push(v.byteBase + b);
  }
}

/**
 * Text → token ids, as llama.cpp's llama_tokenize does for this vocabulary.
 * `special`: recognize control-token strings like "<|im_start|>" (node-llama-cpp's specialTokens flag).
 */
export function tokenize(text: string, opts: { addBos?: boolean; special?: boolean } = {}, v: Vocab = VOCAB): number[] {
  const out: number[] = [];
  if (opts.addBos) out.push(v.bos);
  if (!opts.special) {
    tokenizeRaw(text, out, v);
    return out;
  }
  let rest = text;
  while (rest.length > 0) {
    let best = -1;
    let which = "";
    for (const s of SPECIAL_STRINGS) {
      const i = rest.indexOf(s);
      if (i >= 0 && (best < 0 || i < best)) {
        best = i;
        which = s;
      }
    }
    if (best < 0) {
      tokenizeRaw(rest, out, v);
      break;
    }
    tokenizeRaw(rest.slice(0, best), out, v);
    out.push(v.ids.get(which)!);
    rest = rest.slice(best + which.length);
  }
  return out;
}

/** Token ids → text. Control tokens are written only when `special` is set. */
export function detokenize(ids: readonly number[], opts: { special?: boolean } = {}, v: Vocab = VOCAB): string {
  const bytes: number[] = [];
  for (const id of ids) {
    const type = v.types[id];
    if (type === undefined) throw new RangeError(`token id ${id} is outside the vocabulary (${v.tokens.length})`);
    if (type === TOKEN_TYPE.BYTE) {
      bytes.push(id - v.byteBase);
      continue;
    }
    if (type !== TOKEN_TYPE.NORMAL && !opts.special) continue;
    const text = type === TOKEN_TYPE.NORMAL ? v.tokens[id]!.replaceAll(SPACE_PIECE, " ") : v.tokens[id]!;
    for (const b of Buffer.from(text, "utf8")) bytes.push(b);
  }
  return Buffer.from(bytes).toString("utf8");
}
