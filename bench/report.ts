/** Markdown report: the same text goes to BENCHMARKS.md and stdout. */

export type Cell = string | number;

export function mdTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const esc = (c: Cell): string => String(c).replace(/\|/g, "\\|");
  return [
    `| ${header.map(esc).join(" | ")} |`,
    `| ${header.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

export class Report {
  private readonly parts: string[] = [];
  h1(t: string): this { this.parts.push(`# ${t}\n`); return this; }
  h2(t: string): this { this.parts.push(`## ${t}\n`); return this; }
  h3(t: string): this { this.parts.push(`### ${t}\n`); return this; }
  p(t: string): this { this.parts.push(`${t}\n`); return this; }
  table(header: readonly string[], rows: readonly (readonly Cell[])[]): this { this.parts.push(`${mdTable(header, rows)}\n`); return this; }
  toString(): string { return this.parts.join("\n"); }
}

export const met = (ok: boolean): string => (ok ? "**met**" : "**not met**");
