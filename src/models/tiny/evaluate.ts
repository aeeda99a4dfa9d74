import { getLlama, LlamaCompletion, type Token } from "node-llama-cpp";
import { renderPrompt } from "../../prompts/templates.js";
import { generateArithmetic } from "../../tasks/arithmetic.js";
import { extractAnswer } from "../../tasks/extract.js";
import { gradeNumeric } from "../../tasks/number.js";
import { renderChat } from "./chat.js";
import { tokenize } from "./tokenizer.js";

/**
 * Held-out accuracy of a tiny model in real llama.cpp: test-split arithmetic questions, the `generator`
 * prompt in the model's chat format, greedy decoding to <|im_end|>, the last \boxed{} graded numerically.
 */
export interface HeldOutOptions {
  maxValue: number;
  count: number;
  /** Generation seed for the test-split questions (default 0, the task's default). */
  questionSeed?: number;
  maxTokens?: number;
  /** Parallel sequences in one llama.cpp context (batched decoding). */
  parallel?: number;
  threads?: number;
  onProgress?: (done: number, total: number, correct: number) => void;
}

export interface HeldOutSample {
  question: string;
  gold: string;
  completion: string;
  pred: string | null;
  boxed: boolean;
  correct: boolean;
}

export interface HeldOutResult {
  n: number;
  correct: number;
  accuracy: number;
  /** Share of completions with a complete \boxed{…}. */
  boxedRate: number;
  samples: HeldOutSample[];
}

export async function evaluateHeldOut(modelPath: string, opts: HeldOutOptions): Promise<HeldOutResult> {
  const questions = generateArithmetic("test", opts.questionSeed ?? 0, opts.count, opts.maxValue);
  const parallel = Math.max(1, Math.min(opts.parallel ?? 8, questions.length));
  const llama = await getLlama({ gpu: false, logLevel: "error" as never });
  const model = await llama.loadModel({ modelPath });
  const ctx = await model.createContext({ contextSize: 512, sequences: parallel, threads: opts.threads ?? 1 });
  const samples: HeldOutSample[] = new Array(questions.length);
  let next = 0;
  let done = 0;
  let correct = 0;
  try {
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        const completion = new LlamaCompletion({ contextSequence: ctx.getSequence() });
        try {
          for (let i = next++; i < questions.length; i = next++) {
            const q = questions[i]!;
            const prompt = renderChat([{ role: "user", content: renderPrompt("arithmetic", "generator", { question: q.text }) }], { addGenerationPrompt: true });
            const text = await completion.generateCompletion(tokenize(prompt, { special: true }) as Token[], {
              maxTokens: opts.maxTokens ?? 96,
              temperature: 0,
              repeatPenalty: false,
            });
            const ex = extractAnswer(text);
            const ok = ex.status === "boxed" && gradeNumeric(ex.answer, q.gold);
            samples[i] = { question: q.text, gold: q.gold, completion: text, pred: ex.answer, boxed: ex.status === "boxed", correct: ok };
            done++;
            if (ok) correct++;
            opts.onProgress?.(done, questions.length, correct);
          }
        } finally {
          completion.dispose({ disposeSequence: true });
        }
      }),
    );
  } finally {
    await ctx.dispose();
    await model.dispose(); // the Llama instance may be shared with the caller: left alone
  }
  return {
    n: samples.length,
    correct,
    accuracy: correct / samples.length,
    boxedRate: samples.filter((s) => s.boxed).length / samples.length,
    samples,
  };
}
