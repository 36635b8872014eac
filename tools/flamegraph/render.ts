// Renders stacks (caller first) as a standalone SVG flame graph: root at the bottom, width ∝ samples, a <title>
// on every frame for hover. Hand-written because no maintained library renders one outside a browser:
// d3-flame-graph and @grafana/flamegraph need a DOM, and Brendan Gregg's flamegraph.pl is on neither npm nor Debian.

interface Node {
  name: string;
  value: number;
  children: Map<string, Node>;
}

const ROW = 17;
const WIDTH = 1200;
const PAD = 10;
const MIN_PX = 0.3;

const escapeXml = (s: string) =>
  s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] as string);

function tree(stacks: string[][]): Node {
  const root: Node = { name: "all", value: 0, children: new Map() };
  for (const stack of stacks) {
    root.value++;
    let node = root;
    for (const frame of stack) {
      let child = node.children.get(frame);
      if (!child) {
        child = { name: frame, value: 0, children: new Map() };
        node.children.set(frame, child);
      }
      child.value++;
      node = child;
    }
  }
  return root;
}

const depthOf = (node: Node): number => 1 + Math.max(0, ...[...node.children.values()].map(depthOf));

/** A warm colour that is stable per function name, as flame graphs customarily use. */
export function colour(name: string): string {
  let hash = 0;
  for (const c of name) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  // Unsigned shifts: the hash is a uint32, and `>>` would read its top bit as a sign (negative components).
  return `rgb(${205 + (hash % 50)},${80 + ((hash >>> 8) % 120)},${40 + ((hash >>> 16) % 40)})`;
}

export function renderFlameGraph(stacks: string[][], title: string): string {
  const root = tree(stacks);
  const depth = depthOf(root);
  const height = depth * ROW + 3 * PAD + 20;
  const scale = (WIDTH - 2 * PAD) / Math.max(1, root.value);
  const parts: string[] = [];

  const draw = (node: Node, x: number, level: number) => {
    const width = node.value * scale;
    if (width < MIN_PX) return;
    const y = height - PAD - (level + 1) * ROW;
    const share = ((100 * node.value) / Math.max(1, root.value)).toFixed(2);
    const label = width > 30 ? escapeXml(node.name.slice(0, Math.floor(width / 7))) : "";
    parts.push(
      `<g><title>${escapeXml(node.name)} (${node.value} samples, ${share}%)</title>` +
        `<rect x="${x.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${ROW - 1}" fill="${colour(node.name)}" rx="2"/>` +
        `<text x="${(x + 3).toFixed(1)}" y="${y + ROW - 5}">${label}</text></g>`,
    );
    let childX = x;
    for (const child of [...node.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      draw(child, childX, level + 1);
      childX += child.value * scale;
    }
  };
  draw(root, PAD, 0);

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Verdana, sans-serif" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#fdfdf6"/>`,
    `<text x="${WIDTH / 2}" y="${PAD + 12}" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}
