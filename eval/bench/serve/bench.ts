/**
 * Load check for `society serve`: N chat requests from C concurrent clients over loopback against the
 * real CLI (a child process) serving the `test` tiny model. Each client is an official openai SDK client
 * sending its requests one after another; every request must succeed.
 *
 *   npm run bench:serve -- [--requests 1000] [--clients 50] [--max-tokens 8] [--parallel 8] [--threads 1]
 *
 * Prints requests/s and p50/p90/p99 latency; exits 1 if any request failed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { ensureTinyModel } from "../../../src/models/tiny/cache.js";
import { spawnServe } from "../../../test/server/spawn-serve.js";
import { benchFlags } from "../common/flags.js";

const a = benchFlags({ requests: 1000, clients: 50, "max-tokens": 8, parallel: 8, threads: 1 });
const { requests: total, clients, "max-tokens": maxTokens } = a;
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

const dir = mkdtempSync(join(tmpdir(), "society-bench-serve-"));
await ensureTinyModel("test");
const serve = await spawnServe(
  ["--model", "tiny:test", "--data-dir", dir, "--parallel", String(a.parallel), "--threads", String(a.threads)],
  {
    SOCIETY_API_KEY: "bench",
  },
);
try {
  const client = () => new OpenAI({ apiKey: "bench", baseURL: serve.baseURL, maxRetries: 0, timeout: 120_000 });
  const ask = (c: OpenAI, i: number) =>
    c.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: `What is ${i % 4}+${(i >> 2) % 4}*${(i >> 4) % 4}? Answer in \\boxed{}.` }],
      max_tokens: maxTokens,
      temperature: 1,
      seed: i,
    });
  await ask(client(), -1); // load the model before the clock starts

  const latencies: number[] = [];
  const errors: string[] = [];
  let next = 0,
    tokens = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = client();
      for (let i = next++; i < total; i = next++) {
        const s = performance.now();
        try {
          const r = await ask(c, i);
          if (!r.choices[0]?.message) throw new Error("no choice in the answer");
          tokens += r.usage?.completion_tokens ?? 0;
          latencies.push(performance.now() - s);
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((x, y) => x - y);
  console.log(
    `society serve load check: ${total} chat requests, ${clients} concurrent clients, max_tokens ${maxTokens}, tiny model "test", --parallel ${a.parallel} --threads ${a.threads}`,
  );
  console.log(`machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), shared with other work: timings are noisy`);
  console.log(`errors: ${errors.length}${errors.length ? ` (first: ${errors[0]})` : ""}`);
  console.log(
    `requests/s: ${(latencies.length / seconds).toFixed(1)} (${seconds.toFixed(1)} s wall, ${(tokens / seconds).toFixed(0)} completion tokens/s)`,
  );
  console.log(
    `latency ms: p50 ${pct(latencies, 50).toFixed(0)}  p90 ${pct(latencies, 90).toFixed(0)}  p99 ${pct(latencies, 99).toFixed(0)}  max ${latencies[latencies.length - 1]!.toFixed(0)}`,
  );
  process.exitCode = errors.length ? 1 : 0;
} finally {
  await serve.stop();
  rmSync(dir, { recursive: true, force: true });
}
