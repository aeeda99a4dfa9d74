/**
 * The remote trainer against a real `society serve` (in this process, on a loopback port, the `test`
 * tiny model and the local ggml trainer behind the fine-tuning API): train through upload → job →
 * poll → events; continue from a fine-tuned id; re-attach to a running job after an interrupted attempt,
 * found by the job's metadata alone and through the run store's training_jobs rows.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatorChat } from "../../../src/protocols/debate/index.js";
import { ensureTinyModel } from "../../../src/models/tiny/cache.js";
import { startServe, type ServeHandle } from "../../../src/server/start.js";
import { openStore, type Store } from "../../../src/store/index.js";
import { getTask } from "../../../src/tasks/index.js";
import { METADATA_KEY, OpenAITrainer, storeJobLedger } from "../../../src/training/openai/index.js";
import { toPreferenceJsonl } from "../../../src/training/preference-jsonl.js";
import type { ChatExample, PreferencePair, TrainProgress, TrainRequest } from "../../../src/training/types.js";

const dir = mkdtempSync(join(tmpdir(), "society-remote-trainer-"));
let server: ServeHandle;
let client: OpenAI;
let examples: ChatExample[];

beforeAll(async () => {
  await ensureTinyModel("test");
  server = await startServe({
    models: ["tiny:test"],
    port: 0,
    dataDir: join(dir, "serve"),
    fineTune: { threads: 1, lr: 0.01 },
    llama: { threads: 1, parallel: 2, contextSize: 512 },
  });
  client = new OpenAI({ apiKey: "none", baseURL: `${server.url}/v1`, maxRetries: 0 });
  const task = getTask("arithmetic", { maxValue: 3 });
  const qs = await task.questions("train", { limit: 8, seed: 2 });
  examples = qs.map((q) => ({
    messages: [
      ...generatorChat({ task: "arithmetic", vars: task.promptVars(q) }),
      { role: "assistant" as const, content: task.goldSolution(q) },
    ],
  }));
}, 300_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const trainer = (extra: Partial<ConstructorParameters<typeof OpenAITrainer>[0]> = {}) =>
  new OpenAITrainer({ baseURL: `${server.url}/v1`, pollIntervalMs: 300, ...extra });
const request = (seed: number, extra: Partial<TrainRequest> = {}): TrainRequest => ({
  baseModelPath: "tiny",
  examples,
  mode: "full",
  outPath: "unused",
  seed,
  optim: { epochs: 1, batchSize: 2, lr: 1e-3 },
  ...extra,
});
const jobsFor = async (key: string) => (await client.fineTuning.jobs.list({ metadata: { [METADATA_KEY]: key }, limit: 100 })).data;

describe("OpenAITrainer against society serve", () => {
  let firstModel: string;

  it("uploads, creates a job, follows its progress and returns the fine-tuned model id", async () => {
    const progress: TrainProgress[] = [];
    const logs: string[] = [];
    const r = await trainer().train(request(1, { onProgress: (p) => progress.push(p), onLog: (l) => logs.push(l) }));
    firstModel = r.outPath;
    expect(r.outPath).toMatch(/^ft:tiny:society:/);
    expect((await client.models.list()).data.map((m) => m.id)).toContain(r.outPath);
    expect(progress.length).toBeGreaterThan(0);
    const last = progress[progress.length - 1]!;
    expect(last.step).toBe(last.totalSteps);
    expect(last.totalSteps).toBe(4); // 8 examples, batch 2, 1 epoch
    expect(Number.isFinite(last.loss) && last.loss > 0).toBe(true);
    expect(r.lossCurve.map((p) => p.step)).toEqual(progress.map((p) => p.step));
    expect(r.steps).toBe(4);
    expect(r.trainTokens).toBeGreaterThan(0);
    expect(logs.some((l) => /^created remote fine-tuning job ftjob-/.test(l))).toBe(true);
    expect(logs.some((l) => /successfully completed/.test(l))).toBe(true);
    const job = (await client.fineTuning.jobs.list({ limit: 1 })).data[0]!;
    expect(job.fine_tuned_model).toBe(r.outPath);
    expect(job.hyperparameters).toMatchObject({ n_epochs: 1, batch_size: 2, learning_rate_multiplier: 1 });
    expect(job.seed).toBe(1);
  });

  it("continues from a fine-tuned model id (the loop's next iteration)", async () => {
    const r = await trainer().train(request(2, { baseModelPath: firstModel }));
    const listed = (await client.models.list()).data.find((m) => m.id === r.outPath) as any;
    expect(listed.parent).toBe(firstModel);
    expect(r.outPath).toMatch(/^ft:tiny:/); // named after the served root, not nested
  });

  it("re-attaches to the job an interrupted attempt started (found by its metadata), instead of creating another", async () => {
    const abort = new AbortController();
    let created = "";
    const first = trainer().train(
      request(3, {
        signal: abort.signal,
        onLog: (l) => {
          const m = /^created remote fine-tuning job (\S+)/.exec(l);
          if (m) {
            created = m[1]!;
            abort.abort();
          }
        },
      }),
    );
    await expect(first).rejects.toThrow();
    expect(created).toMatch(/^ftjob-/);
    const logs: string[] = [];
    const r = await trainer().train(request(3, { onLog: (l) => logs.push(l) }));
    expect(logs[0]).toMatch(new RegExp(`^re-attached to remote fine-tuning job ${created} \\((queued|running)\\)$`));
    const job = await client.fineTuning.jobs.retrieve(created);
    expect(job.fine_tuned_model).toBe(r.outPath);
    expect(await jobsFor(job.metadata![METADATA_KEY]!)).toHaveLength(1);
  });

  it("keeps the run store's ledger: the restarted attempt takes the remote job over from the interrupted one", async () => {
    const store: Store = await openStore(join(dir, "runs.db"));
    try {
      await store.runs.create({ id: "r1", name: "r", methods: ["multiagent-ft"], config: {}, seed: 1, status: "running" });
      const agent = await store.agents.getOrCreate({ runId: "r1", method: "multiagent-ft", role: "generator", agentIndex: 0 });
      const attempt = () =>
        store.trainingJobs.create({
          runId: "r1",
          agentId: agent.id,
          iteration: 1,
          trainer: "openai",
          status: "running",
          config: { seed: 4 },
        });
      const ledger = storeJobLedger(store, "r1");
      const row1 = await attempt();
      const abort = new AbortController();
      await expect(
        trainer({ ledger }).train(
          request(4, {
            signal: abort.signal,
            onLog: (l) => {
              if (l.startsWith("created")) abort.abort();
            },
          }),
        ),
      ).rejects.toThrow();
      const remote = (await store.trainingJobs.get(row1.id))!.remoteJobId!;
      expect(remote).toMatch(/^ftjob-/);

      const row2 = await attempt(); // what train-agent writes when the run restarts
      const logs: string[] = [];
      const r = await trainer({ ledger }).train(request(4, { onLog: (l) => logs.push(l) }));
      expect(logs[0]).toMatch(new RegExp(`^re-attached to remote fine-tuning job ${remote}`));
      expect((await client.fineTuning.jobs.retrieve(remote)).fine_tuned_model).toBe(r.outPath);
      const [old, cur] = [await store.trainingJobs.get(row1.id), await store.trainingJobs.get(row2.id)];
      expect(cur!.remoteJobId).toBe(remote);
      expect(old!.remoteJobId).toBeNull();
      expect(old!.status).toBe("failed");
      expect(old!.error).toMatch(/re-attached by attempt/);
    } finally {
      await store.close();
    }
  });

  it("DPO: sends method dpo with β and the pairs as preference JSONL; serve trains them with the local DPO objective", async () => {
    const pairs: PreferencePair[] = examples.map((e) => ({
      prompt: e.messages.slice(0, -1),
      chosen: e.messages.slice(-1),
      rejected: [{ role: "assistant", content: "The answer is \\boxed{99}." }],
    }));
    const progress: TrainProgress[] = [];
    const logs: string[] = [];
    const r = await trainer().train(
      request(6, {
        examples: undefined,
        pairs,
        objective: { kind: "dpo", beta: 0.2 },
        onProgress: (p) => progress.push(p),
        onLog: (l) => logs.push(l),
      }),
    );
    expect(logs.some((l) => /^created remote DPO fine-tuning job ftjob-\S+ on tiny \(8 preference pairs, β 0\.2,/.test(l))).toBe(true);
    const job = (await client.fineTuning.jobs.list({ limit: 1 })).data[0]!;
    expect(job.fine_tuned_model).toBe(r.outPath);
    expect(job.method).toMatchObject({ type: "dpo", dpo: { hyperparameters: { beta: 0.2, n_epochs: 1, batch_size: 2 } } });
    expect(await (await client.files.content(job.training_file)).text()).toBe(toPreferenceJsonl(pairs));
    // DPO's first step starts at the reference: the loss is log 2 and the rewards are 0.
    expect(progress[0]!.loss).toBeCloseTo(Math.LN2, 5);
    expect(progress[0]!.metrics?.["rewards/margins"]).toBeCloseTo(0, 6);
    const last = progress[progress.length - 1]!;
    expect(last.metrics?.["rewards/margins"]).toBeGreaterThan(0);
    console.log(
      `[remote dpo] ${last.step} steps on society serve: loss ${progress[0]!.loss.toFixed(3)} → ${last.loss.toFixed(3)}, margin ${last.metrics!["rewards/margins"]!.toFixed(3)}`,
    );
    expect((await client.models.list()).data.map((m) => m.id)).toContain(r.outPath);

    // A dpo job on a chat file (or a supervised one on a preference file) is refused at once.
    const chatFile = await client.files.create({
      file: await toFile(Buffer.from(examples.map((e) => JSON.stringify(e)).join("\n")), "chat.jsonl"),
      purpose: "fine-tune",
    });
    await expect(
      client.fineTuning.jobs.create({
        model: "tiny",
        training_file: chatFile.id,
        method: { type: "dpo", dpo: { hyperparameters: { beta: 0.1 } } },
      }),
    ).rejects.toThrow(/holds chat examples; a dpo job trains on preference pairs/);
    await expect(client.fineTuning.jobs.create({ model: "tiny", training_file: job.training_file })).rejects.toThrow(
      /holds preference pairs; a supervised job trains on chat examples/,
    );
  });

  it("a request the endpoint refuses is a one-line UserError naming the HTTP status", async () => {
    await expect(trainer().train(request(5, { baseModelPath: "nope" }))).rejects.toThrow(/HTTP 404: .*model "nope" does not exist/);
    await expect(trainer().train(request(5, { initAdapterPath: "/x.gguf" }))).rejects.toThrow(/training.mode: full/);
  });
});
