import { spawnSync } from "node:child_process";

export interface ParsedExemplar {
  family: string;
  sample: string;
  labels: Record<string, string>;
  exemplar: { labels: Record<string, string>; value: number; timestamp: number };
}

// The official Prometheus Python client's OpenMetrics parser (Debian python3-prometheus-client): strict about the
// format (`# EOF`, family names, UNIT suffix, exemplar syntax), and no maintained npm package parses OpenMetrics.
const PARSE = `
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        if s.exemplar:
            ts = s.exemplar.timestamp
            out.append({"family": family.name, "sample": s.name, "labels": s.labels,
                        "exemplar": {"labels": s.exemplar.labels, "value": s.exemplar.value,
                                     "timestamp": float(ts.sec) + ts.nsec / 1e9 if ts else 0}})
print(json.dumps(out))
`;

/** Parses `text` as OpenMetrics 1.0 (throws with the parser's message if it is not) and returns its exemplars. */
export function parseOpenMetrics(text: string): ParsedExemplar[] {
  const run = spawnSync("/usr/bin/python3", ["-c", PARSE], { input: text, encoding: "utf8" });
  if (run.error) throw new Error(`python3 not found: ${run.error.message}`);
  if (run.status !== 0) {
    if (run.stderr.includes("No module named 'prometheus_client'")) {
      throw new Error("the OpenMetrics parser is missing: sudo apt-get install python3-prometheus-client");
    }
    throw new Error(`not valid OpenMetrics: ${run.stderr.trim().split("\n").at(-1)}`);
  }
  return JSON.parse(run.stdout) as ParsedExemplar[];
}
