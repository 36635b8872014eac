import { describe, expect, test } from "bun:test";
import { colour, renderFlameGraph } from "./render";

const components = (rgb: string) => (rgb.match(/^rgb\((-?\d+),(-?\d+),(-?\d+)\)$/)?.slice(1) ?? []).map(Number);

describe("flame graph colours", () => {
  test("every component is within 0..255 and warm, also for names whose hash has its top bit set", () => {
    // "serializeTraceExportRequest" hashes above 2^31: a signed shift made its green component negative.
    const names = ["serializeTraceExportRequest", "_one", "_two", "_fibo", "fibo", "all", ""];
    for (let i = 0; i < 2000; i++) names.push(`frame${i}`);
    for (const name of names) {
      const [r, g, b] = components(colour(name));
      expect({ name, r, g, b, ok: [r, g, b].every((c) => c !== undefined && c >= 0 && c <= 255) }).toEqual({
        name,
        r,
        g,
        b,
        ok: true,
      });
      expect(r).toBeGreaterThanOrEqual(205);
    }
  });

  test("the same name always gets the same colour", () => {
    expect(colour("_fibo")).toBe(colour("_fibo"));
  });

  test("rendered SVG has no negative colour", () => {
    const svg = renderFlameGraph(
      [
        ["main", "serializeTraceExportRequest"],
        ["main", "_one", "_two"],
      ],
      "t",
    );
    expect(svg).not.toMatch(/rgb\([^)]*-/);
    expect(svg).toContain("serializeTraceExportRequest");
  });
});
