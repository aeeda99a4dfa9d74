/**
 * Renders a chat template the way Hugging Face transformers does (`apply_chat_template`): Jinja with
 * trim_blocks and lstrip_blocks, `raise_exception`, `strftime_now`, the messages and the model's BOS/EOS
 * strings, through @huggingface/jinja (the engine transformers.js and node-llama-cpp use), with two
 * corrections: `strftime_now` renders a fixed day (the run's), never the clock, so a chat renders the same
 * tokens on every day a run trains or resumes; and `s.strip(chars)` / `lstrip(chars)` / `rstrip(chars)`
 * strip those characters as Python does (@huggingface/jinja 0.5.11 ignores the argument and strips all
 * whitespace, which changes Qwen3's rendering of a reply that starts with spaces).
 */
import { Environment, Interpreter, parse, tokenize } from "@huggingface/jinja";

export type TemplateValue = string | number | boolean;

export interface TemplateMessage {
  role: string;
  content: string;
}

/** `raise_exception(...)` in a template: its message is the template's own reason to refuse a chat. */
export class TemplateRaisedError extends Error {}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Python's strftime for a date at 00:00 UTC (English names, as transformers renders them on a C/English locale). */
export function strftime(date: Date, format: string): string {
  const p2 = (n: number) => String(n).padStart(2, "0");
  return format.replace(/%[a-zA-Z%]/g, (t) => {
    switch (t) {
      case "%Y":
        return String(date.getUTCFullYear());
      case "%y":
        return p2(date.getUTCFullYear() % 100);
      case "%m":
        return p2(date.getUTCMonth() + 1);
      case "%d":
        return p2(date.getUTCDate());
      case "%e":
        return String(date.getUTCDate()).padStart(2, " ");
      case "%b":
        return MONTHS[date.getUTCMonth()]!.slice(0, 3);
      case "%B":
        return MONTHS[date.getUTCMonth()]!;
      case "%a":
        return DAYS[date.getUTCDay()]!.slice(0, 3);
      case "%A":
        return DAYS[date.getUTCDay()]!;
      case "%j":
        return String(Math.floor((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86400000) + 1).padStart(3, "0");
      case "%H":
      case "%M":
      case "%S":
        return "00";
      case "%%":
        return "%";
      default:
        throw new Error(`strftime_now: format ${t} is not supported`);
    }
  });
}

const STRIPS = new Set(["strip", "lstrip", "rstrip"]);

function pyStrip(s: string, how: string, chars: string): string {
  let a = 0;
  let b = s.length;
  if (how !== "rstrip") while (a < b && chars.includes(s[a]!)) a++;
  if (how !== "lstrip") while (b > a && chars.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

type Node = { type: string; callee?: Node; object?: Node; property?: Node & { value?: unknown }; computed?: boolean; args?: Node[] };
type Value = { type: string; value: unknown; constructor: new (v: unknown) => Value };
type Evaluator = { evaluate(n: Node, env: unknown): Value };

/** An interpreter with Python's str.strip/lstrip/rstrip(chars) (see the file comment). */
function pythonInterpreter(env: Environment): Interpreter {
  const it = new Interpreter(env);
  const patched = it as unknown as Evaluator & { evaluateCallExpression(e: Node, env: unknown): Value };
  const base = patched.evaluateCallExpression.bind(it);
  patched.evaluateCallExpression = (expr, scope) => {
    const callee = expr.callee;
    const name =
      callee?.type === "MemberExpression" && !callee.computed && callee.property?.type === "Identifier"
        ? String(callee.property.value)
        : "";
    if (STRIPS.has(name) && expr.args?.length === 1) {
      const target = patched.evaluate(callee!.object!, scope);
      const chars = patched.evaluate(expr.args[0]!, scope);
      if (target.type === "StringValue" && chars.type === "StringValue")
        return new target.constructor(pyStrip(target.value as string, name, chars.value as string));
    }
    return base(expr, scope);
  };
  return it;
}

function range(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new Error("range() step must not be zero");
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

export class JinjaChatTemplate {
  private readonly program: ReturnType<typeof parse>;

  /** `date`: the day strftime_now() renders (YYYY-MM-DD). */
  constructor(
    readonly source: string,
    private readonly date: string,
  ) {
    this.program = parse(tokenize(source, { lstrip_blocks: true, trim_blocks: true }));
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
      throw new Error(`chat template date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
  }

  render(
    vars: { messages: TemplateMessage[]; add_generation_prompt: boolean; bos_token: string; eos_token: string } & Record<string, unknown>,
  ): string {
    const env = new Environment();
    // The globals @huggingface/jinja's Template.render sets, with strftime_now pinned to the run's day.
    const day = new Date(`${this.date}T00:00:00Z`);
    const globals: Record<string, unknown> = {
      false: false,
      true: true,
      none: null,
      False: false,
      True: true,
      None: null,
      raise_exception: (message: unknown) => {
        throw new TemplateRaisedError(String(message));
      },
      range,
      strftime_now: (format: string) => strftime(day, format),
    };
    for (const [k, v] of Object.entries({ ...globals, ...vars })) env.set(k, v);
    return pythonInterpreter(env).run(this.program).value as string;
  }
}
