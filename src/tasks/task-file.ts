import { z } from "zod";
import { readTextFile } from "../util/read-text.js";
import { parseYaml } from "../util/yaml.js";
import { UserError } from "../errors.js";
import { EXTRACTOR_NAMES } from "./extractors.js";
import { GRADER_NAMES } from "./graders.js";
import { FORMATS } from "./read/rows.js";

/**
 * A task as data (in the spirit of lm-evaluation-harness's task YAML): where each split's rows come from,
 * how a row becomes a question and a gold answer, and which extractor and grader score an answer.
 * Every section is strict, so a misspelt key is an error naming its line. See eval/tasks/README.md.
 */

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const filterSchema = z.record(z.string(), z.union([scalar, z.array(scalar).nonempty()]));

/** `owner/name` or `owner/name@revision` (a branch, tag or commit). */
export const HUB_REPO = /^[A-Za-z0-9][\w.-]*\/[\w.-]+(?:@[^\s@]+)?$/;

const fileReading = {
  format: z.enum(FORMATS).optional().describe("default: from the file extension"),
  columns: z.array(z.string().min(1)).nonempty().optional().describe("CSV without a header row: the column names"),
  delimiter: z.string().length(1).optional().describe('CSV: the field separator (default ",", tab for .tsv)'),
};

export const sourceSchema = z.preprocess(
  (v) => (typeof v === "string" ? { path: v } : v),
  z
    .object({
      path: z
        .string()
        .min(1)
        .optional()
        .describe("a local file, or a pattern: * matches within a name, {name} also records that part as a column"),
      hub: z.string().regex(HUB_REPO, "must be owner/name or owner/name@revision").optional().describe("a Hugging Face Hub data set"),
      config: z
        .union([z.string().min(1), z.array(z.string().min(1)).nonempty()])
        .optional()
        .describe("hub: the config(s); default: the data set's default"),
      split: z.string().min(1).optional().describe("hub: the data set's split name (default: the task split's own name)"),
      drop_test_duplicates: z
        .boolean()
        .default(false)
        .describe("drop rows whose question is also in the test split (a data set that repeats test items)"),
      filter: z
        .lazy(() => filterSchema)
        .optional()
        .describe("keep only this source's rows whose column has one of these values"),
      ...fileReading,
    })
    .strict()
    .superRefine((s, ctx) => {
      if (!s.path === !s.hub) ctx.addIssue({ code: "custom", message: "give exactly one of path or hub" });
      if (s.path && (s.config !== undefined || s.split !== undefined)) {
        ctx.addIssue({
          code: "custom",
          message: "config and split belong to a hub source",
          path: [s.config !== undefined ? "config" : "split"],
        });
      }
    }),
);
export type SourceSpec = z.output<typeof sourceSchema>;

/** A column name, a dotted path into nested values, or a template with {{column}} parts. */
const fieldRef = z.string().min(1);

const goldPart = z.union([
  fieldRef,
  z.object({ from: fieldRef, extract: z.enum(EXTRACTOR_NAMES).describe("read the gold out of that text with this extractor") }).strict(),
]);

const extractorSchema = z.preprocess(
  (v) => (typeof v === "string" ? { name: v } : v),
  z
    .object({
      name: z.enum(EXTRACTOR_NAMES),
      pattern: z.string().min(1).optional(),
      fallback: z.boolean().optional(),
      letters: z
        .string()
        .regex(/^[A-Z]+$/, "must be capital letters, e.g. ABCDE")
        .optional(),
    })
    .strict()
    .superRefine((e, ctx) => {
      if ((e.name === "regex") !== (e.pattern !== undefined))
        ctx.addIssue({ code: "custom", message: "pattern is given with, and only with, name: regex", path: ["pattern"] });
      if (e.letters !== undefined && e.name !== "choice_letter")
        ctx.addIssue({ code: "custom", message: "letters belong to choice_letter", path: ["letters"] });
    }),
);

const graderSchema = z.preprocess(
  (v) => (typeof v === "string" ? { name: v } : v),
  z.object({ name: z.enum(GRADER_NAMES), ignore_case: z.boolean().optional() }).strict(),
);

export const taskFileSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][\w.-]*$/, "letters, digits, _ . - only"),
    description: z.string().default(""),
    train: sourceSchema.optional(),
    test: sourceSchema.optional(),
    id: fieldRef.optional().describe("a stable id per row; rows without one are numbered <task>-<split>-<n>"),
    question: fieldRef,
    choices: z
      .union([z.array(fieldRef).min(2), fieldRef])
      .optional()
      .describe("the options: a list of columns, or one column holding a list; {{choices}} renders them"),
    labels: fieldRef.optional().describe("a column holding the option labels (default A, B, C, …)"),
    gold: z.union([goldPart, z.array(goldPart).nonempty()]).describe("several: the first that yields a value"),
    solution: fieldRef.optional().describe("a worked reference solution ending in the gold answer"),
    extractor: extractorSchema,
    grader: graderSchema,
    filter: filterSchema.optional().describe("keep only rows whose column has one of these values (both splits; a source may add its own)"),
    subset: fieldRef.optional().describe("what names a row's subset (e.g. subject); then the task option subset picks some"),
    meta: z.array(z.string().min(1)).default([]).describe("columns kept with each question"),
    prompts: z.string().min(1).optional().describe("a folder under prompts/, or a path relative to this file (default: the task's name)"),
  })
  .strict();
export type TaskFile = z.output<typeof taskFileSchema>;

export function parseTaskFile(text: string, file: string): TaskFile {
  return parseYaml(taskFileSchema, text, file, { what: "a task file" });
}

export function readTaskFile(path: string): TaskFile {
  let text: string;
  try {
    text = readTextFile(path);
  } catch (e) {
    throw new UserError(`cannot read task file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseTaskFile(text, path);
}
