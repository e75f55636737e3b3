/** Prometheus text exposition (format 0.0.4), written by hand: counters and gauges with labels. */

type Labels = Readonly<Record<string, string>>;

function labelText(l: Labels): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

interface Family { help: string; type: "counter" | "gauge"; values: Map<string, { labels: Labels; value: number }> }

export class Metrics {
  private readonly families = new Map<string, Family>();

  private family(name: string, type: "counter" | "gauge", help: string): Family {
    let f = this.families.get(name);
    if (!f) this.families.set(name, (f = { help, type, values: new Map() }));
    return f;
  }

  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    const f = this.family(name, "counter", help);
    const k = labelText(labels);
    const v = f.values.get(k) ?? { labels, value: 0 };
    v.value += by;
    f.values.set(k, v);
  }

  set(name: string, help: string, value: number, labels: Labels = {}): void {
    this.family(name, "gauge", help).values.set(labelText(labels), { labels, value });
  }

  /** The exposition text. */
  render(): string {
    const out: string[] = [];
    for (const [name, f] of [...this.families].sort((a, b) => a[0].localeCompare(b[0]))) {
      out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      for (const v of f.values.values()) out.push(`${name}${labelText(v.labels)} ${Number.isFinite(v.value) ? v.value : 0}`);
    }
    return `${out.join("\n")}\n`;
  }
}
