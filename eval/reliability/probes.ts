/**
 * The bad-input corpus of issue 10 §2 as probes: each feeds the real CLI (or `society serve`) one bad
 * input and checks the answer a demanding user expects — exit 1 with a clear message naming the file or
 * flag, nothing written or lost, no hang. A probe says PASS, FAIL (with what it saw) or SKIP (with why
 * it could not run here).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { stringify } from "yaml";
import { getTask } from "../../src/tasks/index.js";
import { waitForRow } from "../../test/support/society-cli.js";
import { root, society, type Ran } from "./cli.js";
import { ALL_METHODS_CONFIG } from "./kill-trials.js";

export interface Verdict {
  verdict: "PASS" | "FAIL" | "SKIP";
  detail: string;
}

export interface ProbeContext {
  dir: string;
  /** A random-weight GGUF (2 layers, d = 64, 4 heads). */
  testModel: string;
  /** The uninterrupted reference run of the kill trials (a finished store and its run id), when they ran. */
  reference?: { db: string; runId: string };
}

export interface Probe {
  id: string;
  /** Issue 10 §2 point. */
  point: string;
  what: string;
  /** The fix comes from another branch (serve): a FAIL may mean it has not landed yet. */
  from?: string;
  run(c: ProbeContext & { here: string }): Promise<Verdict>;
}

const pass = (detail = ""): Verdict => ({ verdict: "PASS", detail });
const fail = (detail: string): Verdict => ({ verdict: "FAIL", detail });
/** The CLI's own message (its last `society: …` line), else the last line printed. */
const last = (r: Ran) => {
  const lines = r.out.trim().split("\n").filter(Boolean);
  return (lines.filter((l) => l.startsWith("society: ")).at(-1) ?? lines.at(-1) ?? "").slice(0, 160);
};

/** Exit 1 with a one-line reason matching `want`, no internal error, no hang. */
function refused(r: Ran, want: RegExp, extra?: () => string | undefined): Verdict {
  if (r.timedOut) return fail(`hung (killed after ${Math.round(r.ms / 1000)} s)`);
  if (r.code !== 1) return fail(`exit ${r.code ?? r.signal}: ${last(r)}`);
  if (/internal error/.test(r.out)) return fail(`internal error: ${last(r)}`);
  if (!want.test(r.out)) return fail(`message: ${last(r)}`);
  const problem = extra?.();
  return problem ? fail(problem) : pass(last(r));
}

const nothingAt =
  (...paths: string[]) =>
  () =>
    paths.find((p) => existsSync(p)) && `wrote ${paths.find((p) => existsSync(p))}`;

const chatJsonl = (dir: string) => {
  const p = join(dir, "chat.jsonl");
  writeFileSync(
    p,
    `${JSON.stringify({
      messages: [
        { role: "user", content: "1+1" },
        { role: "assistant", content: "2" },
      ],
    })}\n`,
  );
  return p;
};
const runConfig = (dir: string, extra: object = {}) => {
  const p = join(dir, "run.yaml");
  writeFileSync(
    p,
    stringify({
      name: "probe",
      task: { name: "arithmetic", train: { limit: 2 }, test: { limit: 2 } },
      model: { base: join(dir, "missing.gguf") },
      methods: ["base"],
      ...extra,
    }),
  );
  return p;
};
/** `society train` of the test model on a one-chat file with `flags` added: refused with `want`, no model written. */
const trainRefused =
  (flags: string[], want: RegExp): Probe["run"] =>
  async ({ here, testModel }) => {
    const out = join(here, "out.gguf");
    return refused(await society(["train", "--model", testModel, "--data", chatJsonl(here), "--out", out, ...flags]), want, nothingAt(out));
  };
/** The 24-byte GGUF of the issue: a valid magic and version claiming 2^63 tensors. */
const hostileGguf = (dir: string) => {
  const p = join(dir, "hostile.gguf");
  const b = Buffer.alloc(24);
  b.write("GGUF", 0, "latin1");
  b.writeUInt32LE(3, 4);
  b.writeBigUInt64LE(2n ** 63n, 8);
  b.writeBigUInt64LE(0n, 16);
  writeFileSync(p, b);
  return p;
};
/** A text file named like a model. */
const notesGguf = (dir: string) => {
  const p = join(dir, "notes.gguf");
  writeFileSync(p, "these are my notes, not a model\n");
  return p;
};
/** The shortest command line on which `cmd` loads the model file `m` (writing only under `dir`). */
const loadingModel = (cmd: "train" | "eval" | "serve", m: string, dir: string): string[] =>
  cmd === "train"
    ? ["train", "--model", m, "--data", chatJsonl(dir), "--out", join(dir, "o.gguf")]
    : cmd === "eval"
      ? ["eval", "--model", m, "--task", "arithmetic", "--limit", "1", "--db", join(dir, "s.db"), "--out-dir", join(dir, "e")]
      : ["serve", "--port", "0", "--model", m, "--data-dir", join(dir, "serve")];
const fifo = (dir: string, name: string) => {
  const p = join(dir, name);
  execFileSync("mkfifo", [p]);
  return p;
};

/** Starts `society serve` and resolves with its base URL once listening (or the Ran if it exits first). */
async function serve(
  args: string[],
  timeoutMs = 120_000,
): Promise<{ url?: string; child?: ChildProcess; exited?: Ran; done: Promise<Ran> }> {
  let child: ChildProcess | undefined;
  let listening!: (u: string) => void;
  const url = new Promise<string>((r) => (listening = r));
  const done = society(["serve", "--port", "0", ...args], {
    timeoutMs,
    onSpawn: (c) => (child = c),
    onOutput: (out) => {
      const m = /listening on (http:\/\/\S+\/v1)/.exec(out);
      if (m) listening(m[1]!);
    },
  });
  const first = await Promise.race([url.then((u) => ({ url: u })), done.then((r) => ({ exited: r }))]);
  return { ...first, child, done };
}

async function stopServe(s: { child?: ChildProcess; done: Promise<Ran> }): Promise<Ran> {
  s.child?.kill("SIGTERM");
  return s.done;
}

const sqlite = (file: string, sql: string) => {
  const db = new Database(file);
  db.exec(sql);
  db.close();
};

export const PROBES: Probe[] = [
  // ── 1. parse errors stop before any work
  {
    id: "flags.train-typo",
    point: "1",
    what: "train --lerning-rate 5: refused, no adapter written",
    run: trainRefused(["--max-steps", "1", "--lerning-rate", "5"], /unknown option --lerning-rate/),
  },
  {
    id: "flags.run-bogus",
    point: "1",
    what: "run cfg.yaml --bogus-flag: refused, no store, no run",
    run: async ({ here }) =>
      refused(
        await society(["run", runConfig(here), "--bogus-flag", "--db", join(here, "s.db"), "--out", join(here, "runs")]),
        /unknown option --bogus-flag/,
        nothingAt(join(here, "s.db"), join(here, "runs")),
      ),
  },
  {
    id: "flags.run-no-config",
    point: "1",
    what: "run with no config: a usage error",
    run: async ({ here }) =>
      refused(
        await society(["run", "--db", join(here, "s.db")]),
        /missing argument; usage: society run <config>/,
        nothingAt(join(here, "s.db")),
      ),
  },
  {
    id: "flags.runs-bogus",
    point: "1",
    what: "runs --bogus: refused before opening the store",
    run: async ({ here }) =>
      refused(await society(["runs", "--bogus", "--db", join(here, "s.db")]), /unknown option --bogus/, nothingAt(join(here, "s.db"))),
  },
  {
    id: "flags.unknown-command",
    point: "1",
    what: "a mistyped command: refused with a suggestion",
    run: async ({ here }) =>
      refused(
        await society(["rnu", "x.yaml", "--db", join(here, "s.db")]),
        /unknown command "rnu"; did you mean run\?/,
        nothingAt(join(here, "s.db")),
      ),
  },

  // ── 2. a run that fails while starting is marked failed
  ...(
    [
      ["start.missing-model", "bad model path", {}, /model\.base: .*GGUF file not found/],
      [
        "start.trainer-setup",
        "trainer set-up (openai trainer on a llama backend)",
        { model: { base: "@test" }, methods: ["single-agent-ft"], training: { trainer: "openai" } },
        /training\.trainer: openai needs model\.backend: openai/,
      ],
    ] as const
  ).map(([id, what, extra, want]): Probe => ({
    id,
    point: "2",
    what: `${what}: exit 1, \`society runs\` shows failed with the reason`,
    run: async ({ here, testModel }) => {
      // "@test" is the test model, "@name" a file in the probe's folder.
      const fill = (v: unknown): unknown =>
        typeof v === "string"
          ? v === "@test"
            ? testModel
            : v.startsWith("@")
              ? join(here, v.slice(1))
              : v
          : Array.isArray(v)
            ? v.map(fill)
            : v && typeof v === "object"
              ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]))
              : v;
      const db = join(here, "s.db");
      const r = await society(["run", runConfig(here, fill(extra) as object), "--db", db, "--out", join(here, "runs")]);
      const v = refused(r, want);
      if (v.verdict !== "PASS") return v;
      const listed = await society(["runs", "--db", db]);
      const line = listed.out.split("\n").find((l) => l.startsWith("probe-"));
      return line && / failed /.test(line) && want.test(line)
        ? pass(line.replace(/\s+/g, " ").slice(0, 160))
        : fail(`society runs: ${line ?? listed.out.slice(0, 200)}`);
    },
  })),

  {
    id: "start.missing-task-file",
    point: "2",
    what: "bad task.train.path: exit 1 naming the file, refused before a run exists (none left `running`)",
    run: async ({ here, testModel }) => {
      const db = join(here, "s.db");
      const r = await society([
        "run",
        runConfig(here, {
          model: { base: testModel },
          task: { name: "gsm8k", train: { limit: 2, path: join(here, "nope.jsonl") }, test: { limit: 2 } },
        }),
        "--db",
        db,
        "--out",
        join(here, "runs"),
      ]);
      return refused(r, /nope\.jsonl: no such file/, () => {
        if (!existsSync(db)) return undefined;
        const raw = new Database(db, { readonly: true });
        const n = (raw.prepare("select count(*) n from runs where status = 'running'").get() as { n: number }).n;
        raw.close();
        return n ? `${n} run(s) left running` : undefined;
      });
    },
  },

  // ── 3. hostile and broken model files (fixes from the serve branch)
  ...(["train", "eval", "serve"] as const).map((cmd): Probe => ({
    id: `gguf.hostile-${cmd}`,
    point: "3",
    from: "serve",
    what: `${cmd} --model <24-byte GGUF claiming 2^63 tensors>: exit 1 naming the file, no hang`,
    // A hang grows without end; 120 s covers a CLI start-up on a loaded 2-core box (63 s wall, 2.3 s CPU seen).
    run: async ({ here }) => refused(await society(loadingModel(cmd, hostileGguf(here), here), { timeoutMs: 120_000 }), /hostile\.gguf/),
  })),
  {
    id: "gguf.not-gguf",
    point: "3",
    from: "serve",
    what: "eval --model <a text file>: exit 1 naming the file",
    run: async ({ here }) => refused(await society(loadingModel("eval", notesGguf(here), here), { timeoutMs: 60_000 }), /notes\.gguf/),
  },
  {
    id: "gguf.truncated",
    point: "3",
    from: "serve",
    what: "train --model <a GGUF cut short>: exit 1 naming the file",
    run: async ({ here, testModel }) => {
      const m = join(here, "cut.gguf");
      writeFileSync(m, readFileSync(testModel).subarray(0, 4096));
      return refused(await society(loadingModel("train", m, here), { timeoutMs: 60_000 }), /cut\.gguf/);
    },
  },

  // ── 4. serve refuses what a hostile web page could send it (serve branch)
  {
    id: "serve.forged-host",
    point: "4",
    from: "serve",
    what: "serve without a key: a request with a foreign Host header is refused (DNS rebinding)",
    run: ({ here, testModel }) =>
      serveProbe(here, testModel, async (url) => {
        const ok = await fetch(`${url}/models`);
        const u = new URL(url);
        const forged = await rawRequest(
          u.hostname,
          Number(u.port),
          `GET /v1/models HTTP/1.1\r\nHost: evil.example:${u.port}\r\nConnection: close\r\n\r\n`,
        );
        return ok.status === 200 && forged >= 400 && forged < 500
          ? pass(`own Host ${ok.status}, forged Host ${forged}`)
          : fail(`own Host ${ok.status}, forged Host ${forged}`);
      }),
  },
  // A chat request a hostile page could post: each must get a 4xx.
  ...(
    [
      [
        "serve.cross-origin",
        "serve without a key: a cross-origin browser POST is refused (CSRF)",
        { "content-type": "application/json", origin: "http://evil.example" },
        "Origin http://evil.example",
      ],
      [
        "serve.content-type",
        "serve: a JSON endpoint posted as text/plain (a form a page can send) is refused",
        { "content-type": "text/plain" },
        "text/plain",
      ],
    ] as const
  ).map(([id, what, headers, sent]): Probe => ({
    id,
    point: "4",
    from: "serve",
    what,
    run: ({ here, testModel }) =>
      serveProbe(here, testModel, async (url) => {
        const r = await fetch(`${url}/chat/completions`, {
          method: "POST",
          headers,
          body: JSON.stringify({ model: "model", messages: [{ role: "user", content: "hi" }], max_tokens: 1 }),
        });
        const seen = `${sent} → ${r.status}`;
        return r.status >= 400 && r.status < 500 ? pass(seen) : fail(seen);
      }),
  })),

  // ── 7. one process per run
  {
    id: "lease.second-run",
    point: "7",
    what: "a second `society run` of a run in progress: exit 1 naming pid, host and since",
    run: async ({ here }) => {
      const config = join(here, "all.yaml");
      writeFileSync(config, stringify(ALL_METHODS_CONFIG));
      const args = ["run", config, "--db", join(here, "s.db"), "--out", join(here, "runs")];
      let holder: ChildProcess | undefined;
      const first = society(args, { onSpawn: (c) => (holder = c) });
      const seen = await waitForRow(join(here, "s.db"), "select 1 from leases", 300_000);
      if (!seen) return fail("the first run never took its lease");
      const second = await society(args, { timeoutMs: 120_000 });
      holder?.kill("SIGKILL");
      await first;
      return refused(second, new RegExp(`is already in progress: held by pid ${holder?.pid} on host ${hostname()} since .* UTC`));
    },
  },

  // ── 8. a killed training attempt is marked abandoned on resume
  {
    id: "resume.abandoned",
    point: "8",
    what: "killed while training, resumed: the attempt is `abandoned`, nothing stays `running`",
    run: async ({ here }) => {
      const config = join(here, "all.yaml");
      writeFileSync(config, stringify(ALL_METHODS_CONFIG));
      const db = join(here, "s.db");
      const args = ["run", config, "--db", db, "--out", join(here, "runs")];
      let holder: ChildProcess | undefined;
      const first = society(args, { onSpawn: (c) => (holder = c) });
      if (!(await waitForRow(db, "select 1 from training_jobs where status = 'running'", 300_000)))
        return fail("never saw a training attempt running");
      holder?.kill("SIGKILL");
      await first;
      const resumed = await society(args);
      if (resumed.code !== 0) return fail(`resume exited ${resumed.code}: ${last(resumed)}`);
      const raw = new Database(db, { readonly: true });
      const n = (sql: string) => (raw.prepare(sql).get() as { n: number }).n;
      const running = n(
        "select (select count(*) from runs where status = 'running') + (select count(*) from training_jobs where status = 'running') n",
      );
      const abandoned = n("select count(*) n from training_jobs where status = 'abandoned'");
      raw.close();
      return running === 0 && abandoned >= 1
        ? pass(`${abandoned} abandoned, 0 running`)
        : fail(`${running} running, ${abandoned} abandoned`);
    },
  },

  // ── 9. the migration level is checked on open
  {
    id: "store.newer",
    point: "9",
    what: "a store migrated by a newer build: exit 1 naming the database and the levels",
    run: async ({ here }) => {
      const db = join(here, "s.db");
      await society(["runs", "--db", db]);
      sqlite(db, `insert into __drizzle_migrations (hash, created_at) values ('newer', ${Date.now() + 1e10})`);
      return refused(
        await society(["runs", "--db", db]),
        /the store sqlite:.*s\.db is at migration level \d+, newer than this build of society \(migration level \d+\)/,
      );
    },
  },
  {
    id: "store.drift",
    point: "9",
    what: "a store missing a column: exit 1 naming the column",
    run: async ({ here }) => {
      const db = join(here, "s.db");
      await society(["runs", "--db", db]);
      sqlite(db, "alter table turns drop column latency_ms");
      return refused(await society(["runs", "--db", db]), /does not match its migration level \d+: missing column turns\.latency_ms/);
    },
  },

  // ── 10. a report is all or nothing
  {
    id: "report.full-disk",
    point: "10",
    what: "report onto a full disk (a 64 KiB tmpfs): exit 1, no partial report",
    run: async ({ here, reference }) => {
      if (!reference) return { verdict: "SKIP", detail: "needs the kill trials' reference run" };
      const mnt = join(here, "full");
      mkdirSync(mnt);
      try {
        execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt], { stdio: "pipe" });
      } catch (e) {
        return {
          verdict: "SKIP",
          detail: `cannot mount a small tmpfs here (${
            String((e as { stderr?: Buffer }).stderr ?? e)
              .trim()
              .split("\n")[0]
          })`,
        };
      }
      try {
        const r = await society(["report", reference.runId, "--db", reference.db, "--out", join(mnt, "report")]);
        return refused(r, /cannot write the report .*ENOSPC.*nothing was replaced/, () =>
          readdirSync(mnt).length ? `left ${readdirSync(mnt).join(", ")}` : undefined,
        );
      } finally {
        execFileSync("umount", [mnt]);
      }
    },
  },

  // ── 11, 12. serve's own inputs (serve branch)
  {
    id: "serve.corrupt-record",
    point: "11",
    from: "serve",
    what: "a corrupt JSON record in serve's data dir: skipped with a warning naming it (or refused naming it), never a crash",
    run: async ({ here, testModel }) => {
      const data = join(here, "serve");
      mkdirSync(join(data, "jobs"), { recursive: true });
      mkdirSync(join(data, "files"), { recursive: true });
      writeFileSync(join(data, "jobs", "ftjob-broken.json"), '{"id": ');
      writeFileSync(join(data, "files", "file-broken.json"), "not json");
      const s = await serve(["--model", `model=${testModel}`, "--data-dir", data]);
      const r = s.url ? await stopServe(s) : s.exited!;
      const named = /ftjob-broken\.json|file-broken\.json/.test(r.out);
      if (/internal error|SyntaxError/.test(r.out) && !named) return fail(`crashed without naming the file: ${last(r)}`);
      if (s.url) return named ? pass("started, warned naming the file") : fail("started without saying which record it skipped");
      return r.code === 1 && named ? pass(`refused naming the file: ${last(r)}`) : fail(`exit ${r.code}: ${last(r)}`);
    },
  },
  {
    id: "serve.not-gguf-model",
    point: "12",
    from: "serve",
    what: "serve --model <not a GGUF>: refused at start naming the file",
    run: async ({ here }) => {
      const s = await serve(["--model", notesGguf(here), "--data-dir", join(here, "serve")], 60_000);
      if (s.url) return (await stopServe(s), fail("started (and would 500 on the first request)"));
      return refused(s.exited!, /notes\.gguf/);
    },
  },
  ...(["society-agents", "society-rounds"] as const).map((flag): Probe => ({
    id: `serve.${flag}-0`,
    point: "12",
    from: "serve",
    what: `serve --${flag} 0: refused at start`,
    run: async ({ here, testModel }) => {
      const s = await serve(["--model", testModel, `--${flag}`, "0", "--data-dir", join(here, "serve")], 60_000);
      if (s.url) return (await stopServe(s), fail("started"));
      return refused(s.exited!, new RegExp(flag));
    },
  })),

  // ── 13. the small ones
  ...["1e3", "0x10", "1,,2", "99999999999999999999"].map((seeds): Probe => ({
    id: `seeds.${seeds.slice(0, 8)}`,
    point: "13",
    what: `run --seeds ${seeds}: refused, nothing run`,
    run: async ({ here }) =>
      refused(
        await society(["run", runConfig(here), "--seeds", seeds, "--db", join(here, "s.db")]),
        /--seeds wants comma-separated non-negative integers/,
        nothingAt(join(here, "s.db")),
      ),
  })),
  {
    id: "seeds.twice",
    point: "13",
    what: "run --seeds 1 --seeds 2: merged, no crash",
    run: async ({ here }) => {
      const r = await society([
        "run",
        runConfig(here),
        "--seeds",
        "1",
        "--seeds",
        "2",
        "--db",
        join(here, "s.db"),
        "--out",
        join(here, "runs"),
      ]);
      return !/internal error/.test(r.out) && /starting run probe-s1-/.test(r.out)
        ? pass("seed 1 started first (the config's model is missing, so it stops there)")
        : fail(last(r));
    },
  },
  {
    id: "train.rank-too-big",
    point: "13",
    what: "train --rank above the model width: refused, nothing written",
    run: trainRefused(["--rank", "65", "--threads", "1"], /LoRA rank 65 exceeds the width of .*: at most 64/),
  },
  ...(["train", "serve"] as const).map((cmd): Probe => ({
    id: `signal.${cmd}-fifo-model`,
    point: "13",
    what: `${cmd} --model <a FIFO> (opening it would block past any signal): refused at once`,
    run: async ({ here }) => {
      return refused(
        await society(loadingModel(cmd, fifo(here, "m.gguf"), here), { timeoutMs: 120_000 }),
        /m\.gguf: is a FIFO, not a GGUF file/,
      );
    },
  })),
  {
    id: "signal.stuck-work",
    point: "13",
    what: "SIGTERM while a command's async work is stuck (and a listener that never exits): gone within 8 s",
    run: async () => {
      const child = spawn(process.execPath, ["--import", "tsx", join(root, "test/cli/fixtures/stuck-command.ts"), "graceful"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      await new Promise<void>((done) => child.stdout.on("data", (d) => String(d).includes("ready") && done()));
      const sent = Date.now();
      const ended = new Promise<NodeJS.Signals | null>((done) => child.on("exit", (_c, sig) => done(sig)));
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const sig = await ended;
      clearTimeout(killer);
      const s = (Date.now() - sent) / 1000;
      return sig === "SIGTERM" && s <= 8
        ? pass(`gone ${s.toFixed(1)} s after SIGTERM (grace 3 s)`)
        : fail(`ended by ${sig} after ${s.toFixed(1)} s`);
    },
  },
  ...["-1", "abc"].map((limit): Probe => ({
    id: `runs.limit${limit}`,
    point: "13",
    what: `runs --limit ${limit}: refused`,
    run: async ({ here }) => refused(await society(["runs", "--limit", limit, "--db", join(here, "s.db")]), /--limit wants a whole number/),
  })),
  {
    id: "store.unmakeable-dir",
    point: "13",
    what: "--db /proc/x/y.db: fails fast naming the folder",
    run: async () => {
      const r = await society(["runs", "--db", "/proc/x/y.db"], { timeoutMs: 120_000 });
      const v = refused(r, /cannot create folder \/proc\/x/);
      return v.verdict === "PASS" ? pass(`${(r.ms / 1000).toFixed(1)} s: ${v.detail}`) : v;
    },
  },

  // ── 14. questions of two seeds in one store
  {
    id: "questions.two-seeds",
    point: "14",
    what: "--seeds 1,2 in one store: each run's debates join the question its seed asked",
    run: async ({ here }) => {
      const config = join(here, "q.yaml");
      writeFileSync(
        config,
        stringify({
          ...ALL_METHODS_CONFIG,
          name: "qseeds",
          methods: ["base"],
          iterations: 0,
          task: { ...ALL_METHODS_CONFIG.task, test: { limit: 3 } },
        }),
      );
      const db = join(here, "s.db");
      const r = await society(["run", config, "--seeds", "1,2", "--db", db, "--out", join(here, "runs")]);
      if (r.code !== 0) return fail(`run exited ${r.code}: ${last(r)}`);
      const raw = new Database(db, { readonly: true });
      const task = getTask("arithmetic", { maxValue: 3 });
      const wrong: string[] = [];
      for (const seed of [1, 2]) {
        const asked = new Map((await task.questions("test", { limit: 3, seed })).map((q) => [q.id, q.gold]));
        const rows = raw
          .prepare(
            "select q.qid, q.gold from debates d join runs r on r.id = d.run_id join questions q on q.id = d.question_id where r.seed = ? and d.phase = 'test'",
          )
          .all(seed) as { qid: string; gold: string }[];
        for (const row of rows)
          if (asked.get(row.qid) !== row.gold) wrong.push(`seed ${seed} ${row.qid}: stored gold ${row.gold}, asked ${asked.get(row.qid)}`);
      }
      raw.close();
      return wrong.length ? fail(wrong.slice(0, 3).join("; ")) : pass("every debate joins its own seed's question and gold");
    },
  },

  // ── hostile files the user names
  {
    id: "files.config-fifo",
    point: "hostile files",
    what: "run <a FIFO as config>: exit 1 naming it, no hang",
    run: async ({ here }) =>
      refused(
        await society(["run", fifo(here, "c.yaml"), "--db", join(here, "s.db")], { timeoutMs: 120_000 }),
        /c\.yaml: a FIFO, not a regular file/,
      ),
  },
  {
    id: "files.data-fifo",
    point: "hostile files",
    what: "train --data <a FIFO>: exit 1 naming it, no hang",
    run: async ({ here, testModel }) =>
      refused(
        await society(["train", "--model", testModel, "--data", fifo(here, "d.jsonl")], { timeoutMs: 120_000 }),
        /d\.jsonl: a FIFO, not a regular file/,
      ),
  },
  {
    id: "files.config-junk",
    point: "hostile files",
    what: "config check <binary junk>: exit 1 naming file:line",
    run: async ({ here }) => {
      const p = join(here, "junk.yaml");
      writeFileSync(p, Buffer.from(Array.from({ length: 400 }, (_, i) => (i * 131 + 7) % 256)));
      return refused(await society(["config", "check", p]), /junk\.yaml:\d+:\d+: /);
    },
  },
  {
    id: "files.store-junk",
    point: "hostile files",
    what: "--db <a file that is not a database>: exit 1 naming it",
    run: async ({ here }) => {
      const p = join(here, "junk.db");
      writeFileSync(p, "x".repeat(4096));
      return refused(await society(["runs", "--db", p]), /junk\.db/);
    },
  },
];

/** One serve with the test model on loopback, no key; `check` probes it; the server is stopped after. */
async function serveProbe(here: string, testModel: string, check: (url: string) => Promise<Verdict>): Promise<Verdict> {
  const s = await serve(["--model", `model=${testModel}`, "--data-dir", join(here, "serve")]);
  if (!s.url) return fail(`serve did not start: ${last(s.exited!)}`);
  try {
    return await check(s.url);
  } finally {
    await stopServe(s);
  }
}

/** An HTTP request with exactly these bytes (fetch will not forge a Host header); resolves with the status. */
async function rawRequest(host: string, port: number, text: string): Promise<number> {
  const { connect } = await import("node:net");
  return new Promise((done, failed) => {
    const sock = connect(port, host, () => sock.write(text));
    let got = "";
    sock.on("data", (d) => (got += d));
    sock.on("end", () => done(Number(/^HTTP\/1\.\d (\d{3})/.exec(got)?.[1] ?? 0)));
    sock.on("error", failed);
    sock.setTimeout(30_000, () => sock.destroy(new Error("no answer")));
  });
}

/** Runs every probe (a few at a time), each in its own folder under `dir`. */
export async function runProbes(
  c: ProbeContext,
  o: { only?: RegExp; concurrency?: number; log: (l: string) => void },
): Promise<Array<Probe & Verdict>> {
  const list = PROBES.filter((p) => !o.only || o.only.test(p.id));
  const out: Array<Probe & Verdict> = new Array(list.length);
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const i = next++;
      const p = list[i]!;
      const here = join(c.dir, p.id);
      rmSync(here, { recursive: true, force: true });
      mkdirSync(here, { recursive: true });
      let v: Verdict;
      try {
        v = await p.run({ ...c, here });
      } catch (e) {
        v = fail(`probe error: ${(e as Error).message}`);
      }
      out[i] = { ...p, ...v };
      o.log(`${v.verdict.padEnd(4)} ${p.id}: ${v.detail}`);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 3 }, worker));
  return out;
}
