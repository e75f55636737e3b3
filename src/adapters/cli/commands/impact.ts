import { existsSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { prepareContext } from "../../../margin/computeMargin.js";
import type { MarginParams } from "../../../margin/params.js";
import type { RiskContext } from "../../../margin/riskContext.js";
import { DpmInputError } from "../../../input/issues.js";
import { rawPreset } from "../../../input/presets.js";
import { impactHtml, impactReport, type ImpactReport } from "../../report/impact.js";
import { portfolios, Rejects } from "../batch.js";
import { collect, compute } from "../common.js";
import type { Cli } from "../context.js";
import { amount, table } from "../format.js";
import { loadMarket, loadParams } from "../load.js";

interface ImpactFlags { book: string; market: string; from: string; to: string; html?: string; json: boolean; currency: string }

/** A parameter file, or the name of a shipped preset when no such file exists. */
function paramsArg(v: string, flag: string): MarginParams {
  if (!existsSync(v) && rawPreset(v) !== undefined) return loadParams(undefined, v);
  try {
    return loadParams(v, undefined);
  } catch (e) {
    if (e instanceof DpmInputError) throw new DpmInputError(`invalid ${flag}`, e.issues.map((i) => ({ ...i, path: i.path.startsWith("--params") ? i.path.replace("--params", flag) : `${flag}: ${i.path}` })));
    throw e;
  }
}

function formatImpact(r: ImpactReport): string {
  const c = r.currency;
  const s = r.summary;
  return [
    `parameter impact ${r.from} -> ${r.to} (${c}): ${s.accounts} accounts, IM ${amount(s.imFrom, c)} -> ${amount(s.imTo, c)}, MM ${amount(s.mmFrom, c)} -> ${amount(s.mmTo, c)}`,
    `IM up ${s.imUp}, down ${s.imDown}; newly in margin call ${s.intoMarginCall}, newly in liquidation ${s.intoLiquidation}`,
    "",
    table(["account", "IM from", "IM to", "IM change", "MM from", "MM to", "status from", "status to", "crosses"], r.rows.map((x) => [
      x.account, amount(x.imFrom, c), amount(x.imTo, c), x.imChange === null ? "n/a" : `${(x.imChange * 100).toFixed(1)}%`,
      amount(x.mmFrom, c), amount(x.mmTo, c), x.statusFrom, x.statusTo, x.crosses ?? "",
    ])),
  ].join("\n");
}

/** Register `dpm impact`. */
export function registerImpactCommand(p: Command, cli: Cli): void {
  p.command("impact").description("how every account's IM and MM move under a parameter change (--from/--to: parameter files or preset names)")
    .requiredOption("--book <file>", "portfolios (JSON object, array or JSON lines)")
    .requiredOption("--market <file>", "market snapshot JSON")
    .requiredOption("--from <params>", "current parameters: a parameter file or a preset name")
    .requiredOption("--to <params>", "new parameters: a parameter file or a preset name")
    .option("--html <file>", "also write an HTML report with the distribution chart")
    .option("--currency <code>", "numeraire", "USD")
    .option("--json", "JSON output", false)
    .action(async (f: ImpactFlags) => {
      const market = loadMarket(f.market);
      const ctxOf = (params: MarginParams): RiskContext => {
        const c = prepareContext(market, params, f.currency);
        if (!c.ok) throw new DpmInputError("invalid --currency", [{ path: "--currency", message: c.reason, value: f.currency }]);
        return c.value;
      };
      const a = ctxOf(paramsArg(f.from, "--from")), b = ctxOf(paramsArg(f.to, "--to"));
      const rejects = new Rejects();
      const book = await collect({ items: portfolios(cli, f.book, market, rejects, "impact: reading") });
      const bar = cli.progress("impact", "accounts");
      let done = 0;
      // Only the numbers are shown: no per-position contributions.
      const r = impactReport({ name: f.from, ctx: a }, { name: f.to, ctx: b }, book, (ctx, pf) => {
        bar.update(++done, 2 * book.length);
        return compute(ctx, pf, "portfolio", undefined, { contributions: false });
      });
      bar.stop();
      if (f.html !== undefined) {
        try {
          writeFileSync(f.html, impactHtml(r));
        } catch (e) {
          throw new DpmInputError("cannot write --html", [{ path: "--html", message: String((e as Error).message), value: f.html }]);
        }
        cli.wrote(f.html);
      }
      cli.out.push(f.json ? `${JSON.stringify(r)}\n` : `${formatImpact(r)}\n`);
      rejects.finish(f.book, "book");
    });
}
