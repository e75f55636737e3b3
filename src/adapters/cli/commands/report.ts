/** `dpm report`: one self-contained HTML file with the risk charts of an account (or the data behind them with --json). */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { Option } from "commander";
import { DEFAULT_VAR_SPEC, type VarSpec } from "../../../analytics/varReport.js";
import { DpmInputError } from "../../../input/issues.js";
import { riskReportHtml } from "../../report/riskHtml.js";
import { riskReport, type RiskReportData } from "../../report/riskReport.js";
import { collect, openBatch, type MarginFlags } from "../common.js";
import type { Cli } from "../context.js";
import type { Progress } from "../progress.js";
import { chooseScenarios, numberArg, riskOptions } from "./risk.js";

interface ReportFlags extends MarginFlags {
  out?: string;
  window: number;
  backtestMethod: "hs" | "fhs";
  scenario?: string[];
}

type Stage = "var" | "backtest" | "stress";

/** One progress bar per stage (stderr, on a terminal, never with --json or --quiet). */
function stageProgress(cli: Cli, account: string): { update: (stage: Stage, done: number, total: number) => void; stop: () => void } {
  const bars = new Map<Stage, Progress>();
  return {
    update: (stage, done, total) => {
      let bar = bars.get(stage);
      if (!bar) bars.set(stage, (bar = cli.progress(`report ${account}: ${stage}`.padEnd(28), stage === "stress" ? "scenarios" : "steps")));
      bar.update(done, total);
    },
    stop: () => { for (const b of bars.values()) b.stop(); },
  };
}

function write(cli: Cli, path: string, html: string, detail: string): void {
  try {
    writeFileSync(path, html);
  } catch (e) {
    throw new DpmInputError("cannot write --out", [{ path: "--out", message: (e as Error).message, value: path }]);
  }
  cli.wrote(path, detail);
}

const chartCount = (d: RiskReportData): number => 1 + d.heatmaps.length + (d.lossDistribution ? 1 : 0) + (d.backtest ? 1 : 0) + (d.stress.length > 0 ? 1 : 0);

/** Register `dpm report`. */
export function registerReportCommand(p: Command, cli: Cli): void {
  riskOptions(p.command("report").description("self-contained HTML risk report: margin by model, scenario P&L heatmaps, loss distribution with VaR/ES, backtest, stress bars").argument("<portfolio>"))
    .option("--history <path>", "daily closes (a directory of <SYM>-USD_1d.csv files or a date,<ASSET>,... CSV): adds VaR/ES, the var model and the backtest")
    .option("--out <file>", "write the HTML here (default: HTML on stdout, or nothing with --json)")
    .option("--window <n>", "backtest: daily returns behind each day's VaR", numberArg(10, 100000, true), 250)
    .addOption(new Option("--backtest-method <m>", "backtest VaR method").choices(["hs", "fhs"]).default("hs"))
    .option("--scenario <name>", "stress only this scenario of the library (repeatable; the names of dpm stress and dpm cascade)", (v: string, acc: string[] | undefined) => [...(acc ?? []), v])
    .action(async (path: string, f: ReportFlags) => {
      const scenarios = chooseScenarios(cli, f);
      const b = await openBatch(cli, path, { ...f, model: "portfolio" }, "report: reading");
      const { ctx, varInputs } = b;
      const varSpec: VarSpec = ctx.params.var ?? DEFAULT_VAR_SPEC;
      const reports: RiskReportData[] = [];
      for (const pf of await collect(b)) {
        const bars = stageProgress(cli, pf.account);
        const r = riskReport(ctx, pf, {
          ...(varInputs ? { history: varInputs.history } : {}), varSpec, scenarios,
          backtest: { window: f.window, method: f.backtestMethod, confidence: varSpec.confidence },
          onProgress: bars.update,
        });
        bars.stop();
        if (!r.ok) throw new DpmInputError(`cannot build the report of ${pf.account}`, [{ path: f.history !== undefined ? "--history" : "<portfolio>", message: r.reason }]);
        reports.push(r.value);
      }
      b.finish();
      const html = f.out !== undefined || !f.json ? riskReportHtml(reports) : "";
      if (f.out !== undefined) {
        const charts = reports.reduce((s, r) => s + chartCount(r), 0);
        write(cli, f.out, html, `${reports.length} account${reports.length > 1 ? "s" : ""}, ${charts} charts, ${(Buffer.byteLength(html) / 1024).toFixed(0)} KB`);
      }
      if (f.json) for (const r of reports) cli.out.push(`${JSON.stringify(r)}\n`);
      else if (f.out === undefined) cli.out.push(html);
    });
}
