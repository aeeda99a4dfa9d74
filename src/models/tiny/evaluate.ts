import { getLlama, LlamaCompletion, type Token } from "node-llama-cpp";
import { generateArithmetic } from "../../tasks/arithmetic.js";
import { extractAnswer } from "../../tasks/extract.js";
import { gradeNumeric } from "../../tasks/number.js";
import { createXoshiro128Rng } from "../../util/rng.js";
import { fnvSplitmixSeedV1 } from "../../util/seed.js";
import { renderChat, type ChatMessage } from "./chat.js";
import { compactSolution, criticPrompt, generatorPrompt, operandsOf, wrongSolution } from "./corpus.js";
import { tokenize } from "./tokenizer.js";

/**
 * Held-out accuracy of a tiny model in real llama.cpp: test-split arithmetic questions, the `generator`
 * prompt in the model's chat format, greedy decoding to <|im_end|>, the last \boxed{} graded numerically.
 * Optionally a second, critic round on the same questions: the conversation continues with the `critic`
 * prompt quoting two other agents' answers (each right with probability ½), as a 3-agent debate would.
 */
export interface HeldOutOptions {
  maxValue: number;
  count: number;
  /** Generation seed for the test-split questions (default 0, the task's default). */
  questionSeed?: number;
  maxTokens?: number;
  /** Also measure a critic round (default false). */
  critic?: boolean;
  /** Another prompts/ folder (default: the repo's). */
  promptsDir?: string;
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
  /** The critic round's answer, when measured. */
  critic?: { otherResponses: string[]; completion: string; correct: boolean };
}

export interface HeldOutResult {
  n: number;
  correct: number;
  accuracy: number;
  /** Share of completions with a complete \boxed{…}. */
  boxedRate: number;
  /** Accuracy after the critic round, when measured. */
  criticAccuracy?: number;
  samples: HeldOutSample[];
}

const isRight = (text: string, gold: string) => {
  const ex = extractAnswer(text);
  return { ex, ok: ex.status === "boxed" && gradeNumeric(ex.answer, gold) };
};

export async function evaluateHeldOut(modelPath: string, opts: HeldOutOptions): Promise<HeldOutResult> {
  const questions = generateArithmetic("test", opts.questionSeed ?? 0, opts.count, opts.maxValue);
  const parallel = Math.max(1, Math.min(opts.parallel ?? 8, questions.length));
  const llama = await getLlama({ gpu: false, logLevel: "error" as never });
  const model = await llama.loadModel({ modelPath });
  const ctx = await model.createContext({ contextSize: 1024, sequences: parallel, threads: opts.threads ?? 1 });
  const samples: HeldOutSample[] = new Array(questions.length);
  let next = 0;
  let done = 0;
  let correct = 0;
  try {
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        const completion = new LlamaCompletion({ contextSequence: ctx.getSequence() });
        const reply = (messages: ChatMessage[]) =>
          completion.generateCompletion(tokenize(renderChat(messages, { addGenerationPrompt: true }), { special: true }) as Token[], {
            maxTokens: opts.maxTokens ?? 96,
            temperature: 0,
            repeatPenalty: false,
          });
        try {
          for (let i = next++; i < questions.length; i = next++) {
            const q = questions[i]!;
            const ask: ChatMessage = { role: "user", content: generatorPrompt(q.text, opts.promptsDir) };
            const text = await reply([ask]);
            const { ex, ok } = isRight(text, q.gold);
            const sample: HeldOutSample = {
              question: q.text,
              gold: q.gold,
              completion: text,
              pred: ex.answer,
              boxed: ex.status === "boxed",
              correct: ok,
            };
            if (opts.critic) {
              // Others' answers depend only on the question, so every model is judged on the same ones.
              const rng = createXoshiro128Rng(fnvSplitmixSeedV1(0, "critic-eval", q.text));
              const o = operandsOf(q);
              const otherResponses = [0, 1].map(() => (rng.next() < 0.5 ? compactSolution(o) : wrongSolution(o, rng)));
              const second = await reply([
                ask,
                { role: "assistant", content: text },
                { role: "user", content: criticPrompt(otherResponses, q.text, opts.promptsDir) },
              ]);
              sample.critic = { otherResponses, completion: second, correct: isRight(second, q.gold).ok };
            }
            samples[i] = sample;
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
    criticAccuracy: opts.critic ? samples.filter((s) => s.critic?.correct).length / samples.length : undefined,
    samples,
  };
}
