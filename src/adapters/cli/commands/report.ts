/** `dpm report`: one self-contained HTML file with the risk charts of an account (or the data behind them with --json). */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { Option } from "commander";
import { DEFAULT_VAR_SPEC, type VarSpec } from "../../../analytics/varReport.js";
import { DpmInputError } from "../../../input/issues.js";
import { riskReportHtml } from "../../report/riskHtml.js";
import { riskReport, type RiskReportData } from "../../report/riskReport.js";
import { historicalScenarios } from "../../stressLibrary.js";
import { setup, type MarginFlags } from "../common.js";
import { progressBar } from "../progress.js";
import { numberArg, riskOptions } from "./risk.js";

interface ReportFlags extends MarginFlags {
  out?: string;
  window: number;
  backtestMethod: "hs" | "fhs";
}

type Stage = "var" | "backtest" | "stress";

/** One progress bar per stage (stderr, TTY only, never with --json). */
function stageProgress(account: string, json: boolean): (stage: Stage, done: number, total: number) => void {
  const bars = new Map<Stage, ((d: number, t: number) => void) | undefined>();
  return (stage, done, total) => {
    if (!bars.has(stage)) bars.set(stage, progressBar(`report ${account}: ${stage}`.padEnd(28), json));
    bars.get(stage)?.(done, total);
  };
}

function write(path: string, html: string): void {
  try {
    writeFileSync(path, html);
  } catch (e) {
    throw new DpmInputError("cannot write --out", [{ path: "--out", message: (e as Error).message, value: path }]);
  }
}

const chartCount = (d: RiskReportData): number => 1 + d.heatmaps.length + (d.lossDistribution ? 1 : 0) + (d.backtest ? 1 : 0) + (d.stress.length > 0 ? 1 : 0);

/** Register `dpm report`. */
export function registerReportCommand(p: Command, out: string[]): void {
  riskOptions(p.command("report").description("self-contained HTML risk report: margin by model, scenario P&L heatmaps, loss distribution with VaR/ES, backtest, stress bars").argument("<portfolio>"))
    .option("--history <path>", "daily closes (a directory of <SYM>-USD_1d.csv files or a date,<ASSET>,... CSV): adds VaR/ES, the var model and the backtest")
    .option("--out <file>", "write the HTML here (default: HTML on stdout, or nothing with --json)")
    .option("--window <n>", "backtest: daily returns behind each day's VaR", numberArg(10, 100000, true), 250)
    .addOption(new Option("--backtest-method <m>", "backtest VaR method").choices(["hs", "fhs"]).default("hs"))
    .action((path: string, f: ReportFlags) => {
      const { ctx, portfolios, varInputs } = setup(path, { ...f, model: "portfolio" });
      const varSpec: VarSpec = ctx.params.var ?? DEFAULT_VAR_SPEC;
      const scenarios = historicalScenarios();
      const reports = portfolios.map((pf) => {
        const r = riskReport(ctx, pf, {
          ...(varInputs ? { history: varInputs.history } : {}), varSpec, scenarios,
          backtest: { window: f.window, method: f.backtestMethod, confidence: varSpec.confidence },
          onProgress: stageProgress(pf.account, f.json),
        });
        if (!r.ok) throw new DpmInputError(`cannot build the report of ${pf.account}`, [{ path: f.history !== undefined ? "--history" : "<portfolio>", message: r.reason }]);
        return r.value;
      });
      const html = f.out !== undefined || !f.json ? riskReportHtml(reports) : "";
      if (f.out !== undefined) write(f.out, html);
      if (f.json) for (const r of reports) out.push(`${JSON.stringify(r)}\n`);
      else if (f.out !== undefined) {
        const charts = reports.reduce((s, r) => s + chartCount(r), 0);
        out.push(`wrote ${f.out} (${reports.length} account${reports.length > 1 ? "s" : ""}, ${charts} charts, ${(Buffer.byteLength(html) / 1024).toFixed(0)} KB)\n`);
      } else out.push(html);
    });
}
