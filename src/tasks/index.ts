/** The tasks module's public surface: import from here. */
export type { Split, Question, ParseStatus, Extraction, Task, QuestionsOptions, DataFile } from "./types.js";
export { SPLITS } from "./types.js";
export { getTask, isTaskRef, TASK_NAMES, TASKS_DIR, type TaskOptions } from "./registry.js";
export { assertSameData, type RecordedData } from "./recorded-data.js";
export { assertDisjoint } from "./hygiene.js";
export { arithmeticSolution, generateArithmetic, splitOfExpression, type ArithmeticOptions } from "./arithmetic.js";
export { extractAnswer, lastBoxed, lastNumber } from "./extract.js";
export { isEquivalent, canonicalAnswer } from "./equivalence.js";
export { normalizeAnswer } from "./latex-normalize.js";
export { gradeNumeric, parseLooseNumber } from "./number.js";
export { selfGrade, type SelfGradeReport } from "./check.js";
