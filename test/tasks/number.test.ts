import { describe, expect, it } from "vitest";
import { canonicalNumeric, gradeNumeric, parseLooseNumber } from "../../src/tasks/number.js";

describe("numeric grading (GSM8K, arithmetic)", () => {
  it("reads numbers the way people write them", () => {
    expect(parseLooseNumber("$1,000")).toBe(1000);
    expect(parseLooseNumber("\\$18.00")).toBe(18);
    expect(parseLooseNumber("18 apples")).toBe(18);
    expect(parseLooseNumber("18 \\text{ dollars}")).toBe(18);
    expect(parseLooseNumber("-47")).toBe(-47);
    expect(parseLooseNumber("25\\%")).toBe(25);
    expect(parseLooseNumber("\\frac{36}{2}")).toBe(18);
    expect(parseLooseNumber("x = 5")).toBe(5);
    expect(parseLooseNumber("seven")).toBeNull();
  });
  it("grades by value", () => {
    expect(gradeNumeric("70,000", "70000")).toBe(true);
    expect(gradeNumeric("18.0", "18")).toBe(true);
    expect(gradeNumeric("-3", "-3")).toBe(true);
    expect(gradeNumeric("3", "-3")).toBe(false);
    expect(gradeNumeric("17.99", "18")).toBe(false);
    expect(gradeNumeric("180", "18")).toBe(false);
    expect(gradeNumeric(null, "18")).toBe(false);
  });
  it("groups votes by value", () => {
    expect(canonicalNumeric("$1,000")).toBe(canonicalNumeric("1000.00"));
    expect(canonicalNumeric("18")).not.toBe(canonicalNumeric("-18"));
  });
});
