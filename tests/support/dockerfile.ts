// A small Dockerfile reader for structural checks (no Docker engine here): instructions with line continuations
// joined, global ARG defaults, and stages resolved the way BuildKit does for a given TARGETARCH.

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name?: string;
  /** The FROM argument after ARG expansion: an image reference or an earlier stage's name. */
  base: string;
  instructions: Instruction[];
}

export function instructions(text: string): Instruction[] {
  const joined = text
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .join("\n")
    .replace(/\\\n/g, " ");
  return joined
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = "", ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
}

const expand = (value: string, args: Record<string, string>) =>
  value.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => args[a ?? b ?? ""] ?? "");

/** Stages in order, with FROM expanded from the global ARGs (defaults, overridden by `buildArgs`). */
export function stages(
  text: string,
  buildArgs: Record<string, string>,
): { globals: Record<string, string>; stages: Stage[] } {
  const globals: Record<string, string> = {};
  const result: Stage[] = [];
  for (const instruction of instructions(text)) {
    if (instruction.keyword === "FROM") {
      const [from = "", as, name] = instruction.args.split(/\s+/);
      result.push({
        base: expand(from, { ...globals, ...buildArgs }),
        ...(as?.toUpperCase() === "AS" && name ? { name } : {}),
        instructions: [],
      });
    } else if (result.length === 0 && instruction.keyword === "ARG") {
      const [name = "", value = ""] = instruction.args.split("=");
      globals[name] = value;
    } else {
      result.at(-1)?.instructions.push(instruction);
    }
  }
  return { globals, stages: result };
}
