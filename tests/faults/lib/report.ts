// Measured figures of the fault tier, printed as one Markdown table at the end of the run (stdout, and the file named
// by TWINBIN_FAULTS_REPORT when set) so that docs/faults.md can quote real numbers.
import { writeFileSync } from "node:fs";

interface Row {
  scenario: string;
  figure: string;
  value: string;
  limit: string;
  verdict: "pass" | "FAIL" | "";
}

const rows: Row[] = [];

const format = (value: number | string): string => {
  if (typeof value === "string") return value;
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(Math.abs(value) >= 10 ? 1 : 2);
};

/**
 * Records one figure. `ok` is the verdict against `limit` (left empty for purely informative figures); the test's own
 * `expect` is what fails the run, this only documents it.
 */
export function figure(scenario: string, name: string, value: number | string, limit = "", ok?: boolean): void {
  rows.push({
    scenario,
    figure: name,
    value: format(value),
    limit,
    verdict: ok === undefined ? "" : ok ? "pass" : "FAIL",
  });
}

export function renderReport(header: string): string {
  const cell = (text: string) => text.replaceAll("|", "\\|");
  const lines = [
    header,
    "",
    "| scenario | figure | measured | limit | |",
    "|---|---|---|---|---|",
    ...rows.map((r) => `| ${[r.scenario, r.figure, r.value, r.limit, r.verdict].map(cell).join(" | ")} |`),
  ];
  return `${lines.join("\n")}\n`;
}

/** Prints the table and writes it to $TWINBIN_FAULTS_REPORT when set. */
export function publishReport(header: string): void {
  if (rows.length === 0) return;
  const text = renderReport(header);
  console.log(`\n${text}`);
  const file = process.env.TWINBIN_FAULTS_REPORT;
  if (file) writeFileSync(file, text);
}
