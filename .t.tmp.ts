import { getTask } from "./src/tasks/registry.js";
import { isEquivalent, canonicalAnswer } from "./src/tasks/equivalence.js";
import { normalizeAnswer } from "./src/tasks/latex-normalize.js";
const t = getTask("math");
const qs = await t.questions("test");
const golds = [...new Set(qs.map(q => q.gold))];
console.log("distinct golds", golds.length);
let t0 = Date.now(); let n = 0;
for (let i = 0; i < golds.length; i++) for (let j = i+1; j < golds.length; j++) {
  if (isEquivalent(golds[i]!, golds[j]!)) { n++; console.log("EQ", JSON.stringify(golds[i]), JSON.stringify(golds[j])); }
}
console.log("pairs equal", n, Date.now()-t0, "ms");
// canonical collisions
const byKey = new Map<string,string[]>();
for (const g of golds) { const k = canonicalAnswer(g); byKey.set(k, [...(byKey.get(k) ?? []), g]); }
for (const [k, v] of byKey) if (v.length > 1) console.log("KEY", k, JSON.stringify(v));
// variants
const variants = (g: string) => [`$${g}$`, `\\boxed{${g}}`.slice(7, -1), ` ${g} `, g.replace(/\\frac/g, "\\dfrac"), `${g}.`, `\\({${g}}\\)`];
let bad = 0;
for (const g of golds) for (const v of variants(g)) if (!isEquivalent(v, g)) { bad++; console.log("VARIANT FAIL", JSON.stringify(v), JSON.stringify(g)); }
console.log("variant failures", bad);
