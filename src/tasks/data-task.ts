import { dirname, extname, isAbsolute, relative, resolve } from "node:path";
import { UserError } from "../errors.js";
import { REPO_ROOT } from "../util/repo-root.js";
import { DEFAULT_LETTERS, letterOf } from "./choice.js";
import { makeExtractor, type Extractor, type ExtractorName } from "./extractors.js";
import { asText, columnValue, describe, isTemplate, readText } from "./fields.js";
import { makeGrader } from "./graders.js";
import { pullDataset, splitRepo } from "./hub/pull.js";
import { normalizedText } from "./hygiene.js";
import { localFiles } from "./local-files.js";
import { readRows, dataFileSha256, type Row } from "./read/rows.js";
import { selectRows } from "./select.js";
import type { SourceSpec, TaskFile } from "./task-file.js";
import type { DataFile, Question, QuestionsOptions, Split, Task } from "./types.js";

/**
 * A task built from a task file (eval/tasks/*.yaml, or a user's own): rows from its sources become
 * questions through its field mapping, and its named extractor and grader score answers. Every row is
 * checked when read: a missing column or a gold answer the grader cannot use is an error naming the file,
 * line or row, and the task-file field.
 */

export interface DataTaskOptions {
  /** Only these subsets (values of the task file's `subset` field), e.g. MMLU subjects. */
  subset?: string | string[];
}

interface SourceFile {
  local: string;
  captures: Record<string, string>;
  key?: string;
  hub?: DataFile["hub"];
  read: { format?: SourceSpec["format"]; csv: { columns?: string[]; delimiter?: string } };
}

export function dataTask(file: TaskFile, taskPath: string, options: DataTaskOptions = {}): Task {
  const baseDir = dirname(resolve(taskPath));
  const name = file.name;
  const columnChoices = Array.isArray(file.choices) ? file.choices : undefined;
  const fixedLabels = columnChoices ? DEFAULT_LETTERS.slice(0, columnChoices.length).split("") : undefined;
  if (columnChoices && columnChoices.length > DEFAULT_LETTERS.length)
    throw new UserError(`${taskPath}: choices: at most ${DEFAULT_LETTERS.length} options`);
  const extractor = makeExtractor({ ...file.extractor, letters: file.extractor.letters ?? fixedLabels?.join("") });
  const grader = makeGrader(file.grader);
  const goldExtractors = new Map<ExtractorName, Extractor>();
  const goldExtractor = (n: ExtractorName) => {
    if (!goldExtractors.has(n))
      goldExtractors.set(n, n === extractor.spec.name ? extractor : makeExtractor({ name: n, letters: extractor.spec.letters }));
    return goldExtractors.get(n)!;
  };
  const subsets = options.subset === undefined ? undefined : [options.subset].flat();
  if (subsets && !file.subset)
    throw new UserError(`task ${name}: option subset: this task has no subsets (${taskPath} names no subset field)`);
  const prompts = file.prompts && /[/\\]|^\./.test(file.prompts) ? resolve(baseDir, file.prompts) : file.prompts;

  async function sourceFiles(split: Split, override?: string): Promise<{ spec: SourceSpec; files: SourceFile[] }> {
    const spec: SourceSpec | undefined = override ? overrideSpec(split, override) : file[split];
    if (!spec)
      throw new UserError(
        `task ${name}: no ${split} split (${taskPath} names none); give a file for it (task.${split}.path in a run config, --file here)`,
      );
    const read = { format: spec.format, csv: { columns: spec.columns, delimiter: spec.delimiter } };
    if (spec.path) {
      return {
        spec,
        files: localFiles(spec.path, override ? process.cwd() : baseDir).map((f) => ({
          local: f.path,
          captures: f.captures,
          key: f.key,
          read,
        })),
      };
    }
    const { repo, revision } = splitRepo(spec.hub!);
    const configs = spec.config === undefined ? undefined : [spec.config].flat();
    const pulled = await pullDataset({ repo, revision, configs, splits: [spec.split ?? split] });
    const all = pulled.splits.flatMap((s) => s.files);
    return {
      spec,
      files: all.map((f) => ({
        local: f.local,
        captures: {},
        key: all.length > 1 ? f.path.replace(/\.[^./]+$/, "") : undefined,
        read,
        hub: { repo, revision: pulled.sha, file: f.path },
      })),
    };
  }

  /** A file in place of a split's source reads like that source when it has the same extension (MMLU's header-less CSV). */
  function overrideSpec(split: Split, path: string): SourceSpec {
    const own = [file[split], file[split === "train" ? "test" : "train"]].find((s) => s?.path && extname(s.path) === extname(path));
    return { path, drop_test_duplicates: false, format: own?.format, columns: own?.columns, delimiter: own?.delimiter };
  }

  function labelsOf(row: Row): string[] | undefined {
    if (file.labels) {
      const v = columnValue(row.value, file.labels);
      if (!Array.isArray(v) || !v.every((x) => typeof x === "string" && /^[A-Z]$/.test(x))) {
        throw new UserError(
          `${row.where}: labels: column "${file.labels}" must hold a list of capital letters, got ${JSON.stringify(v)?.slice(0, 60)}`,
        );
      }
      return v as string[];
    }
    if (fixedLabels) return fixedLabels;
    if (typeof file.choices === "string") {
      const n = choiceTexts(row).length;
      return DEFAULT_LETTERS.slice(0, n).split("");
    }
    return undefined;
  }

  function choiceTexts(row: Row): string[] {
    if (columnChoices) return columnChoices.map((c) => readText(row, c, "choices"));
    const v = columnValue(row.value, file.choices as string);
    if (!Array.isArray(v) || v.length < 2 || v.some((x) => asText(x) === undefined)) {
      throw new UserError(
        `${row.where}: choices: column "${file.choices}" must hold a list of at least two texts, got ${v === undefined ? "nothing" : describe(v)}`,
      );
    }
    if (v.length > DEFAULT_LETTERS.length) throw new UserError(`${row.where}: choices: at most ${DEFAULT_LETTERS.length} options`);
    return v.map((x) => asText(x)!);
  }

  /** The gold answer: the first alternative that yields one; an error naming the row when none does. */
  function goldOf(row: Row, labels: string[] | undefined, vars: Record<string, string>): string {
    const reasons: string[] = [];
    for (const alt of [file.gold].flat()) {
      const ref = typeof alt === "string" ? alt : alt.from;
      let text: string | undefined;
      if (isTemplate(ref)) text = readText(row, ref, "gold", vars);
      else {
        const v = columnValue(row.value, ref);
        text = asText(v);
        if (v !== undefined && v !== null && text === undefined)
          throw new UserError(`${row.where}: gold: column "${ref}" holds ${describe(v)}, not text`);
      }
      if (text === undefined || !text.trim()) {
        reasons.push(`no "${ref}"`);
        continue;
      }
      const value = typeof alt === "string" ? text.trim() : goldExtractor(alt.extract).gold(text);
      if (value === null) {
        reasons.push(`no ${(alt as { extract: string }).extract} answer in "${ref}"`);
        continue;
      }
      return labels ? choiceGold(row, value, labels) : value;
    }
    throw new UserError(`${row.where}: gold: ${reasons.join(", and ")}`);
  }

  function choiceGold(row: Row, value: string, labels: string[]): string {
    if (labels.includes(value)) return value;
    if (/^\d+$/.test(value) && labels[Number(value)]) return labels[Number(value)]!; // a 0-based option index (e.g. cais/mmlu)
    const l = letterOf(value, labels.join(""));
    if (l) return l;
    throw new UserError(`${row.where}: gold: "${value}" is not one of the options ${labels.join(", ")}`);
  }

  function questionOf(row: Row, f: SourceFile, split: Split): Question {
    const labels = labelsOf(row);
    const vars: Record<string, string> = {};
    let choices: string[] | undefined;
    if (file.choices) {
      choices = choiceTexts(row);
      if (labels && labels.length !== choices.length)
        throw new UserError(`${row.where}: labels: ${labels.length} label(s) for ${choices.length} choice(s)`);
      vars.choices = choices.map((c, i) => `${labels![i]}) ${c}`).join("\n");
    }
    const text = readText(row, file.question, "question", vars);
    if (!text.trim()) throw new UserError(`${row.where}: question: empty`);
    const gold = goldOf(row, labels, vars);
    const problem = grader.goldProblem(gold);
    if (problem) throw new UserError(`${row.where}: gold: "${gold}" ${problem} (grader ${grader.spec.name})`);
    let id: string | undefined;
    if (file.id)
      id = isTemplate(file.id) ? readText(row, file.id, "id", vars) : asText(columnValue(row.value, file.id))?.trim() || undefined;
    id ??= `${name}-${split}-${f.key ? `${f.key}-` : ""}${row.index}`;
    const meta: Record<string, unknown> = {
      file: shownPath(f.local),
      ...(row.line !== undefined ? { line: row.line } : { row: row.index + 1 }),
    };
    const solution =
      file.solution === undefined
        ? undefined
        : isTemplate(file.solution)
          ? readText(row, file.solution, "solution", vars)
          : asText(columnValue(row.value, file.solution));
    if (solution?.trim()) meta.solution = solution;
    // Recorded when the row has it (a file given in place of a pattern source may not); required only to pick subsets.
    if (file.subset && (isTemplate(file.subset) || columnValue(row.value, file.subset) !== undefined))
      meta.subset = readText(row, file.subset, "subset");
    if (choices) Object.assign(meta, { choices, labels });
    for (const m of file.meta) {
      const v = columnValue(row.value, m);
      if (v !== undefined) meta[m] = v;
    }
    return { task: name, split, id, text, gold, meta };
  }

  const keep = (row: Row, spec: SourceSpec) =>
    Object.entries({ ...file.filter, ...spec.filter }).every(([col, allowed]) => {
      const v = columnValue(row.value, col);
      if (v === undefined) throw new UserError(`${row.where}: filter: no column "${col}" (columns: ${Object.keys(row.value).join(", ")})`);
      return [allowed].flat().map(String).includes(String(v));
    });

  // Built questions per split and source, reused while the parsed files are the same (readRows keeps them per mtime).
  const built = new Map<string, { rows: Row[][]; questions: Question[] }>();

  async function load(split: Split, override?: string): Promise<Question[]> {
    const { spec, files } = await sourceFiles(split, override);
    const rowsOf = await Promise.all(files.map((f) => readRows(f.local, { format: f.read.format, csv: f.read.csv })));
    const memoKey = `${split}\0${override ?? ""}`;
    const hit = built.get(memoKey);
    const out =
      hit && hit.rows.length === rowsOf.length && hit.rows.every((r, i) => r === rowsOf[i])
        ? hit.questions
        : build(split, spec, files, rowsOf);
    built.set(memoKey, { rows: rowsOf, questions: out });
    if (split === "train" && spec.drop_test_duplicates) {
      const testTexts = new Set((await load("test")).map((q) => normalizedText(q.text)));
      return out.filter((q) => !testTexts.has(normalizedText(q.text)));
    }
    return out;
  }

  function build(split: Split, spec: SourceSpec, files: SourceFile[], rowsOf: Row[][]): Question[] {
    const out: Question[] = [];
    const seen = new Map<string, string>();
    const knownSubsets = new Set<string>();
    for (const [k, f] of files.entries()) {
      for (const raw of rowsOf[k]!) {
        const row: Row = Object.keys(f.captures).length ? { ...raw, value: { ...f.captures, ...raw.value } } : raw;
        if (!keep(row, spec)) continue;
        if (subsets && file.subset) {
          const s = readText(row, file.subset, "subset");
          knownSubsets.add(s);
          if (!subsets.includes(s)) continue;
        }
        const q = questionOf(row, f, split);
        const where = seen.get(q.id);
        if (where) throw new UserError(`${row.where}: id "${q.id}" repeats the one at ${where} (ids must be unique within a split)`);
        seen.set(q.id, row.where);
        out.push(q);
      }
    }
    if (subsets) {
      const unknown = subsets.filter((s) => !knownSubsets.has(s));
      if (unknown.length)
        throw new UserError(`task ${name}: unknown subset(s) ${unknown.join(", ")} (known: ${[...knownSubsets].sort().join(", ")})`);
    }
    return out;
  }

  return {
    name,
    description: file.description,
    prompts,
    questions: async (split: Split, opts: QuestionsOptions = {}) => selectRows(name, await load(split, opts.path), opts),
    promptVars: (q) => ({ question: q.text }),
    extract: (completion) => extractor.answer(completion),
    grade: (pred, gold) => pred !== null && grader.grade(pred, gold),
    canonical: (answer) => grader.canonical(answer),
    goldSolution: (q) => (typeof q.meta?.solution === "string" ? q.meta.solution : extractor.solution(q.gold)),
    async dataFiles(split, opts = {}) {
      const { files } = await sourceFiles(split, opts.path);
      const out: DataFile[] = [];
      for (const f of files) {
        const rows = (await readRows(f.local, { format: f.read.format, csv: f.read.csv })).length;
        out.push({ path: shownPath(f.local), sha256: dataFileSha256(f.local), rows, ...(f.hub ? { hub: f.hub } : {}) });
      }
      return out;
    },
  };
}

function shownPath(p: string): string {
  const r = relative(REPO_ROOT, p);
  return r && !r.startsWith("..") && !isAbsolute(r) ? r.split("\\").join("/") : p;
}
