/**
 * dpm benchmarks (`npm run bench`): per-account latency, book throughput and CLI end to end, each against
 * a baseline measured in the same run. Writes BENCHMARKS.md at the repository root and prints the same.
 * Data is synthetic and seeded (bench/market.ts, bench/book.ts): every run margins the same accounts.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Profiler } from "node:inspector";
import { arch, availableParallelism, cpus, loadavg, platform, release, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Parsed } from "../src/domain/instrument.js";
import { parseInstrument } from "../src/domain/instrument.js";
import type { Portfolio } from "../src/domain/portfolio.js";
import { marginWith, prepareContext } from "../src/margin/computeMargin.js";
import type { MarginParams } from "../src/margin/params.js";
import type { MarginModel, MarginResult } from "../src/margin/result.js";
import type { RiskContext } from "../src/margin/riskContext.js";
import type { MarketSnapshot } from "../src/market/snapshot.js";
import { portfolioMarketIssues } from "../src/input/crossCheck.js";
import { parseMarket } from "../src/input/marketSchema.js";
import { parsePortfolio } from "../src/input/portfolioSchema.js";
import { portfolioFromLine } from "../src/input/portfolioLine.js";
import { loadPreset } from "../src/input/presets.js";
import { parsed } from "../src/adapters/cli/io.js";
import { progress } from "../src/adapters/cli/progress.js";
import { PARALLEL_MIN_BYTES } from "../src/adapters/cli/marginThreads.js";
import { explainedOutputInto } from "../src/adapters/cli/resultJson.js";
import { TextBuffer } from "../src/adapters/cli/textTable.js";
import { largeAccount, syntheticBook, type PortfolioFile } from "./book.js";
import { syntheticMarket, type UniverseEntry } from "./market.js";
import { profileInProcess, summarise, type ProfileSummary } from "./profile.js";
import { met, Report } from "./report.js";
import { fmtFixed, fmtInt, fmtRatio, latency, median, now, since, timeEach, type Latency, must } from "./stats.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SEED_MARKET = 20241120;
const SEED_BOOK = 7;
const SEED_LARGE = 50;

const BOOK_SIZE = 20_000;
const NAIVE_SUBSET = 1_000;
const LARGE_POSITIONS = 50;
const WARM_ITER = 5_000;
const COLD_ITER = 2_000;
const SHARED_PASSES = 7;
const CLI_RUNS = 7;

const TARGET_WARM_US = 100;
const TARGET_BOOK_RATE = 100_000;
const TARGET_CLI_RATE = 20_000;
/** Positions of every account of the CLI's book (issue 10: "a 20,000-line book of 10-position accounts"). */
const CLI_POSITIONS = 10;

const tty = process.stderr.isTTY === true;
/** On a terminal, a bar of the benchmark stages done (`next`); the log lines print above it. */
const bar = progress("bench", "stages", tty);
let stagesDone = 0;

const log = (s: string): void => {
  process.stderr.write(`${tty ? "\r\x1b[2K" : ""}[bench] ${s}\n`);
};

/** Log the start of a stage and move the progress bar. */
const next = (s: string): void => {
  log(s);
  bar.update(stagesDone++, 4 + AREA_BENCHES.length, s);
};

function im(r: Parsed<MarginResult>): number {
  return must(r).initialMargin;
}

function parseAll(files: readonly PortfolioFile[], market: MarketSnapshot): Portfolio[] {
  return files.map((f) => {
    const r = parsePortfolio(f);
    if (!r.ok) throw new Error(`${f.account}: ${r.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
    const cross = portfolioMarketIssues(r.value, market);
    if (cross.length > 0) throw new Error(`${f.account}: ${cross.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
    return r.value;
  });
}

function context(market: MarketSnapshot, params: MarginParams): RiskContext {
  return must(prepareContext(market, params));
}

// ---------------------------------------------------------------------------------------------------
// 1. Data

interface Data {
  readonly marketFile: ReturnType<typeof syntheticMarket>["file"];
  readonly universe: readonly UniverseEntry[];
  readonly market: MarketSnapshot;
  readonly params: MarginParams;
  readonly large: Portfolio;
  readonly bookFiles: readonly PortfolioFile[];
  readonly book: readonly Portfolio[];
  /** The CLI's book: BOOK_SIZE accounts of CLI_POSITIONS positions. */
  readonly cliBookFiles: readonly PortfolioFile[];
  readonly cliBook: readonly Portfolio[];
}

function makeData(): Data {
  const { file, universe } = syntheticMarket(SEED_MARKET);
  const mp = parseMarket(file);
  if (!mp.ok) throw new Error(`synthetic market invalid: ${mp.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
  const market = mp.value;
  const params = loadPreset("deribit");
  const largeFile = largeAccount(SEED_LARGE, universe, LARGE_POSITIONS);
  const bookFiles = syntheticBook(SEED_BOOK, universe, BOOK_SIZE);
  const [large] = parseAll([largeFile], market);
  const book = parseAll(bookFiles, market);
  const cliBookFiles = syntheticBook(SEED_BOOK, universe, BOOK_SIZE, CLI_POSITIONS);
  return { marketFile: file, universe, market, params, large, bookFiles, book, cliBookFiles, cliBook: parseAll(cliBookFiles, market) };
}

function describeData(d: Data, r: Report): void {
  const kinds = new Map<string, number>();
  let markIv = 0, noIv = 0;
  for (const e of d.universe) {
    const k = `${e.underlying} ${e.kind === "option" ? "option" : `${e.settlement} ${e.kind}`}`;
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
    if (e.kind === "option") {
      if (d.marketFile.instruments[e.name]?.markIv !== undefined) markIv++;
      else noIv++;
    }
  }
  let positions = 0, maxPos = 0, orders = 0;
  for (const pf of d.book) {
    positions += pf.positions.length;
    maxPos = Math.max(maxPos, pf.positions.length);
    orders += pf.openOrders.length;
  }
  r.h2("Data (synthetic, seeded mulberry32)")
    .p(`Market snapshot as of ${d.marketFile.asOf}: ${d.universe.length} instruments on BTC, ETH, SOL (+ USDC, USDT indices). ` +
      `Options: ${markIv} with a markIv, ${noIv} valued from the ETH SVI surface or the flat asset vol. ` +
      `Sizes in each instrument's unit (USD notional for inverse futures/perpetuals, coins otherwise); collateral in BTC, ETH, USDC.`)
    .table(["instrument group", "count"], [...kinds].sort().map(([k, v]) => [k, v]))
    .p(`Book: ${fmtInt(d.book.length)} accounts, ${fmtInt(positions)} positions (mean ${fmtFixed(positions / d.book.length, 2)}, max ${maxPos} per account), ` +
      `${fmtInt(orders)} open orders. Large account: ${d.large.positions.length} positions across ` +
      `${new Set(d.large.positions.map((p) => p.instrument.underlying)).size} underlyings, collateral ${Object.keys(d.large.collateral).join("/")}.`);
}

/** Functions of the portfolio model whose inclusive time is reported. */
const PORTFOLIO_FOCUS = [
  "portfolioMargin", "accountBook", "buildUnits", "emptyUnit", "decideUnit", "marginOf", "unitMargin", "orderMargin",
  "unitComponents", "collateralReports", "positionReports", "cloneUnit", "addToUnit", "crossAssetCredit", "instrumentRisk",
];

// ---------------------------------------------------------------------------------------------------
// 2. One account, 50 positions

interface Single {
  readonly warmPortfolio: Latency;
  readonly warmStandard: Latency;
  readonly coldPortfolio: Latency;
  readonly coldStandard: Latency;
  readonly vectorsUs: number;
  readonly profile: ProfileSummary;
}

async function benchSingle(d: Data): Promise<Single> {
  const { market, params, large } = d;
  const ctx = context(market, params);
  const check = im(marginWith(ctx, large, "portfolio"));
  log(`single: portfolio IM ${check.toFixed(2)} USD, ${ctx.computedVectors()} vectors`);
  const warm = (model: MarginModel): Latency => latency(timeEach(() => im(marginWith(ctx, large, model)), 500, WARM_ITER).samples);
  const cold = (model: MarginModel): Latency =>
    latency(timeEach(() => im(marginWith(context(market, params), large, model)), 50, COLD_ITER).samples);
  const warmPortfolio = warm("portfolio");
  log(`single: warm portfolio median ${warmPortfolio.medianUs.toFixed(1)} µs`);
  const warmStandard = warm("standard");
  const coldPortfolio = cold("portfolio");
  log(`single: cold portfolio median ${coldPortfolio.medianUs.toFixed(1)} µs`);
  const coldStandard = cold("standard");
  // Cost of the 50 instruments' risk vectors alone (what the warm path saves).
  const insts = large.positions.map((p) => p.instrument);
  const spots = ["BTC", "ETH", "SOL"].map((a) => must(parseInstrument(a)));
  const vec = timeEach(() => {
    const c = context(market, params);
    let s = 0;
    for (const i of insts) s += must(c.risk(i)).value;
    for (const i of spots) s += must(c.risk(i)).value;
    return s;
  }, 50, 500);
  const prof = await profileInProcess(() => {
    for (let i = 0; i < 3000; i++) im(marginWith(ctx, large, "portfolio"));
  });
  const profile = summarise(prof, 10, PORTFOLIO_FOCUS);
  return { warmPortfolio, warmStandard, coldPortfolio, coldStandard, vectorsUs: median(vec.samples) / 1e3, profile };
}

// ---------------------------------------------------------------------------------------------------
// 3. Book of 20,000 accounts

interface BookResult {
  readonly sharedRates: number[];
  readonly sharedRate: number;
  readonly sharedStandardRate: number;
  readonly naiveRate: number;
  readonly naiveAccounts: number;
  readonly vectorsMs: number;
  readonly vectorsComputed: number;
  readonly identical: boolean;
  readonly profile: ProfileSummary;
}

function sharedPass(d: Data, model: MarginModel): { ns: number; sum: number; vectors: number } {
  const t0 = now();
  const ctx = context(d.market, d.params);
  let sum = 0;
  for (const pf of d.book) sum += im(marginWith(ctx, pf, model));
  return { ns: since(t0), sum, vectors: ctx.computedVectors() };
}

function naivePass(d: Data, n: number): { ns: number; ims: Float64Array } {
  const ims = new Float64Array(n);
  const t0 = now();
  for (let i = 0; i < n; i++) ims[i] = im(marginWith(context(d.market, d.params), d.book[i], "portfolio"));
  return { ns: since(t0), ims };
}

async function benchBook(d: Data): Promise<BookResult> {
  // Warm-up (JIT) on both paths, untimed.
  sharedPass(d, "portfolio");
  naivePass(d, 200);
  const sharedRates: number[] = [];
  let vectors = 0, sum0 = NaN;
  for (let i = 0; i < SHARED_PASSES; i++) {
    const r = sharedPass(d, "portfolio");
    sharedRates.push(d.book.length / (r.ns / 1e9));
    vectors = r.vectors;
    if (i === 0) sum0 = r.sum;
    else if (r.sum !== sum0) throw new Error("shared passes disagree");
  }
  log(`book: shared ${sharedRates.map((x) => fmtInt(x)).join(", ")} accounts/s`);
  sharedPass(d, "standard");
  const stdRates: number[] = [];
  for (let i = 0; i < 3; i++) stdRates.push(d.book.length / (sharedPass(d, "standard").ns / 1e9));
  const naiveRates: number[] = [];
  let naiveIms: Float64Array = new Float64Array(0);
  for (let i = 0; i < 2; i++) {
    const r = naivePass(d, NAIVE_SUBSET);
    naiveRates.push(NAIVE_SUBSET / (r.ns / 1e9));
    naiveIms = r.ims;
  }
  log(`book: naive ${naiveRates.map((x) => fmtInt(x)).join(", ")} accounts/s`);
  // Same numbers either way: the shared context changes the cost, not the result.
  const ctx = context(d.market, d.params);
  let identical = true;
  for (let i = 0; i < NAIVE_SUBSET; i++) if (im(marginWith(ctx, d.book[i], "portfolio")) !== naiveIms[i]) identical = false;
  // Cost of all the snapshot's vectors, once.
  const insts = d.universe.map((e) => must(parseInstrument(e.name)));
  const vec = timeEach(() => {
    const c = context(d.market, d.params);
    let s = 0;
    for (const i of insts) s += must(c.risk(i)).value;
    return s;
  }, 5, 50);
  // Where the shared path's time goes (separate, profiled pass).
  const prof = await profileInProcess(() => {
    sharedPass(d, "portfolio");
    sharedPass(d, "portfolio");
  });
  const profile = summarise(prof, 15, PORTFOLIO_FOCUS);
  return {
    sharedRates, sharedRate: median(sharedRates), sharedStandardRate: median(stdRates), naiveRate: median(naiveRates), naiveAccounts: NAIVE_SUBSET,
    vectorsMs: median(vec.samples) / 1e6, vectorsComputed: vectors, identical, profile,
  };
}

// ---------------------------------------------------------------------------------------------------
// 4. CLI end to end

interface CliResult {
  readonly nodeStartS: number;
  readonly versionS: number;
  readonly runsS: number[];
  readonly medianS: number;
  readonly rate: number;
  /** The same command with `--workers 2`, interleaved with the default runs (in process on fewer than 4 cores). */
  readonly oneThreadRunsS: number[];
  readonly oneThreadMedianS: number;
  /** The same command without --json (the human tables). */
  readonly textRunsS: number[];
  readonly textMedianS: number;
  /** Two processes at once, each margining half the book (--json): wall time until both are done. */
  readonly halvesRunsS: number[];
  readonly halvesMedianS: number;
  readonly bookBytes: number;
  readonly outputLines: number;
  readonly outputBytes: number;
  readonly stages: { stage: string; ms: number }[];
  readonly profile: ProfileSummary;
  /** Share of the output bytes taken by each result's `params`. */
  readonly paramsShare: number;
}

function timeSpawn(args: readonly string[], stdoutFd: number): number {
  const t0 = now();
  const r = spawnSync(process.execPath, [...args], { cwd: ROOT, stdio: ["ignore", stdoutFd, "pipe"], maxBuffer: 64 * 1024 * 1024 });
  const s = since(t0) / 1e9;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}: ${r.stderr?.toString() ?? ""}`);
  return s;
}

/** Median over the interleaved runs of (text run / the --json run just before it). */
function textRatio(c: CliResult): number {
  return median(c.textRunsS.map((t, i) => t / c.runsS[i]));
}

/** Wall time (s) of several node processes started together, until the last one exits. */
function timeConcurrent(argsList: readonly (readonly string[])[], stdoutFd: number): Promise<number> {
  const t0 = now();
  return Promise.all(argsList.map((args) => new Promise<void>((res, rej) => {
    const p = spawn(process.execPath, [...args], { cwd: ROOT, stdio: ["ignore", stdoutFd, "ignore"] });
    p.on("error", rej);
    p.on("exit", (code) => (code === 0 ? res() : rej(new Error(`node ${args.join(" ")} exited ${code}`))));
  }))).then(() => since(t0) / 1e9);
}

/** The CLI's stages in-process with simple timers (same functions as `dpm margin`; warm JIT, so a lower bound). */
function cliStages(d: Data, bookPath: string): { stage: string; ms: number }[] {
  const out: { stage: string; ms: number }[] = [];
  const step = <T>(stage: string, fn: () => T): T => {
    const t0 = now();
    const v = fn();
    out.push({ stage, ms: since(t0) / 1e6 });
    return v;
  };
  const bytes = step("read file (bytes), cut lines", () => {
    const b = readFileSync(bookPath), ranges: number[] = [];
    for (let from = 0, nl = b.indexOf(10); nl >= 0; from = nl + 1, nl = b.indexOf(10, from)) if (nl > from) ranges.push(from, nl);
    return { b, ranges };
  });
  // As streamDocuments does with `portfolios`: each line read straight into its portfolio (portfolioLine.ts), or, where
  // that declines, decoded, JSON.parse'd and checked (none of this book's lines).
  const pfs = step("line → portfolio (portfolioLine.ts)", () => {
    const out: Portfolio[] = [];
    for (let i = 0; i < bytes.ranges.length; i += 2) {
      const pf = portfolioFromLine(bytes.b, bytes.ranges[i], bytes.ranges[i + 1]);
      if (pf === undefined) throw new Error(`line ${i / 2 + 1} not read by portfolioFromLine`);
      out.push(pf);
    }
    return out;
  });
  // For reference, the path of a line it declines: the line decoded, JSON.parse'd, then the fast checks; its portfolios
  // kept, as the row above keeps them (20,000 live portfolios cost each stage its collections: streaming, the command
  // keeps none, and there the reader took 107 ms against 144 ms for this path in separate cold processes, 2026-12-06).
  step("(reference: decode + JSON.parse + parsePortfolio per line)", () => {
    const kept: Portfolio[] = [];
    for (let i = 0; i < bytes.ranges.length; i += 2) {
      const d = parsed(bytes.b.toString("utf8", bytes.ranges[i], bytes.ranges[i + 1]), "<portfolio>", i / 2 + 1);
      const r = "value" in d ? parsePortfolio(d.value) : undefined;
      if (r?.ok) kept.push(r.value);
    }
    return kept.length;
  });
  step("portfolioMarketIssues", () => pfs.reduce((n, p) => n + portfolioMarketIssues(p, d.market).length, 0));
  // As `dpm margin --json` does it: each account evaluated and its line written from the book (no result object).
  step("prepareContext + margin and JSON line from the book (explainedOutputInto), 1 MiB output chunks", () => {
    const ctx = context(d.market, d.params), tb = new TextBuffer(1 << 20);
    let bytes = 0;
    for (const p of pfs) {
      if (explainedOutputInto(tb, ctx, p, true) !== undefined) throw new Error("account not margined");
      if (tb.pos >= 1 << 20) { bytes += tb.pos; tb.pos = 0; } // the chunk reused, as when stdout takes it whole
    }
    return bytes + tb.pos;
  });
  return out;
}

async function benchCli(d: Data): Promise<CliResult> {
  const dir = mkdtempSync(join(tmpdir(), "dpm-bench-"));
  try {
    const marketPath = join(dir, "market.json");
    const bookPath = join(dir, "book.jsonl");
    writeFileSync(marketPath, `${JSON.stringify(d.marketFile, null, 2)}\n`);
    const bookText = `${d.cliBookFiles.map((f) => JSON.stringify(f)).join("\n")}\n`;
    writeFileSync(bookPath, bookText);
    const bin = join(ROOT, "bin", "dpm");
    const args = [bin, "margin", bookPath, "--market", marketPath, "--json"];
    const inProcess = [...args, "--workers", "1"];
    const devnull = openSync("/dev/null", "w");
    let nodeStartS: number, versionS: number;
    const runsS: number[] = [], oneThreadRunsS: number[] = [], textRunsS: number[] = [], halvesRunsS: number[] = [];
    const bookLines = bookText.split("\n").filter((l) => l !== ""), half = bookLines.length >> 1;
    const halfPaths = [join(dir, "half1.jsonl"), join(dir, "half2.jsonl")];
    writeFileSync(halfPaths[0], `${bookLines.slice(0, half).join("\n")}\n`);
    writeFileSync(halfPaths[1], `${bookLines.slice(half).join("\n")}\n`);
    const halves = halfPaths.map((h) => [bin, "margin", h, "--market", marketPath, "--json", "--workers", "1"]);
    try {
      const starts: number[] = [], versions: number[] = [];
      for (let i = 0; i < 5; i++) starts.push(timeSpawn(["-e", ""], devnull));
      for (let i = 0; i < 3; i++) versions.push(timeSpawn([bin, "--version"], devnull));
      nodeStartS = median(starts);
      versionS = median(versions);
      for (let i = 0; i < CLI_RUNS; i++) {
        runsS.push(timeSpawn(args, devnull));
        oneThreadRunsS.push(timeSpawn(inProcess, devnull));
        textRunsS.push(timeSpawn(args.filter((a) => a !== "--json"), devnull));
        halvesRunsS.push(await timeConcurrent(halves, devnull));
        log(`cli: run ${i + 1}: ${runsS[i].toFixed(2)} s (--workers 1: ${oneThreadRunsS[i].toFixed(2)} s, text ${textRunsS[i].toFixed(2)} s, two halves at once ${halvesRunsS[i].toFixed(2)} s)`);
      }
    } finally {
      closeSync(devnull);
    }
    // One more run, profiled (--cpu-prof) with stdout kept to check the output; not timed.
    const outPath = join(dir, "out.jsonl");
    const profDir = join(dir, "prof");
    const outFd = openSync(outPath, "w");
    try {
      timeSpawn(["--cpu-prof", `--cpu-prof-dir=${profDir}`, "--cpu-prof-interval=200", ...inProcess], outFd);
    } finally {
      closeSync(outFd);
    }
    const outText = readFileSync(outPath, "utf8");
    const lines = outText.split("\n").filter((l) => l !== "");
    if (lines.length !== d.cliBook.length) throw new Error(`CLI wrote ${lines.length} results for ${d.cliBook.length} accounts`);
    const first = JSON.parse(lines[0]) as { account?: unknown; initialMargin?: unknown; params?: unknown };
    const paramsShare = (Buffer.byteLength(JSON.stringify(first.params)) * lines.length) / Buffer.byteLength(outText);
    const ctx = context(d.market, d.params);
    if (first.account !== d.cliBook[0].account || first.initialMargin !== im(marginWith(ctx, d.cliBook[0], "portfolio"))) {
      throw new Error("CLI result differs from the in-process result");
    }
    const profFile = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
    if (!profFile) throw new Error("no .cpuprofile written");
    const prof = JSON.parse(readFileSync(join(profDir, profFile), "utf8")) as Profiler.Profile;
    const profile = summarise(prof, 15, [
      "run", "loadMarket", "loadPortfolios", "parsed", "parsePortfolio", "portfolioMarketIssues", "resolveInstrument", "compute",
      "explainedOutputInto", "explainedBook", "line", "flush",
    ]);
    const stages = cliStages(d, bookPath);
    const medianS = median(runsS);
    return {
      nodeStartS, versionS, runsS, medianS, oneThreadRunsS, oneThreadMedianS: median(oneThreadRunsS),
      textRunsS, textMedianS: median(textRunsS), halvesRunsS, halvesMedianS: median(halvesRunsS), bookBytes: Buffer.byteLength(bookText),
      outputLines: lines.length, outputBytes: Buffer.byteLength(outText), stages, profile, paramsShare, rate: d.cliBook.length / medianS,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------
// 5. Report

function profileTables(r: Report, p: ProfileSummary): void {
  r.table(["function (self time)", "self ms", "share"], p.bySelf.map((f) => [f.fn, fmtFixed(f.selfMs, 1), `${fmtFixed(f.selfShare * 100, 1)} %`]));
  if (p.inclusive.length > 0) {
    r.table(["function (inclusive: itself + callees)", "total ms", "share"], p.inclusive.map((f) => [f.fn, fmtFixed(f.totalMs, 1), `${fmtFixed(f.totalShare * 100, 1)} %`]));
  }
}

/** Benchmarks of the other areas; each module returns a Markdown section. */
const AREA_BENCHES: readonly { name: string; module: string; fn: string }[] = [
  { name: "Margin kernel", module: "./kernel.js", fn: "kernelBench" },
  { name: "Engine tick path", module: "./engineTicks.js", fn: "engineTicksBench" },
  { name: "Risk analytics (VaR / ES, correlation)", module: "./risk.js", fn: "riskBench" },
  { name: "Oracle", module: "./oracle.js", fn: "oracleBench" },
  { name: "Liquidation", module: "./liquidation.js", fn: "liquidationBench" },
  { name: "Venue presets", module: "./venues.js", fn: "venuesBench" },
  { name: "Service", module: "./service.js", fn: "serviceBench" },
  { name: "Book load (dpm serve --book)", module: "./bookLoad.js", fn: "bookLoadBench" },
  { name: "Scale-out", module: "./scaleOut.js", fn: "scaleOutBench" },
  { name: "Event store: PostgreSQL vs SQLite", module: "./storePg.js", fn: "storePgBench" },
];

async function main(): Promise<void> {
  const started = now();
  const r = new Report();
  const cpu = cpus();
  r.h1("dpm benchmarks")
    .p("Generated by `npm run bench` (bench/run.ts). Every comparison is against a baseline measured in the same run.")
    .table(["machine", ""], [
      ["CPU", `${cpu[0]?.model ?? "unknown"}`],
      ["cores", cpu.length],
      ["memory", `${fmtFixed(totalmem() / 2 ** 30, 1)} GiB`],
      ["OS", `${platform()} ${release()} (${arch()})`],
      ["Node", process.version],
      ["load average at start (1/5/15 min)", loadavg().map((x) => fmtFixed(x, 2)).join(" / ")],
      ["date", new Date().toISOString()],
    ]);

  next("generating data");
  const d = makeData();
  describeData(d, r);

  next("benchmark 2: one account, 50 positions");
  const s = await benchSingle(d);
  const warmOk = s.warmPortfolio.medianUs < TARGET_WARM_US;
  const latRow = (name: string, l: Latency, target: string, status: string): (string | number)[] =>
    [name, fmtInt(l.iterations), fmtFixed(l.medianUs, 1), fmtFixed(l.p99Us, 1), fmtFixed(l.meanUs, 1), target, status];
  r.h2(`1. One account, ${LARGE_POSITIONS} positions (µs per call)`)
    .p("Warm: one `prepareContext(market, params)`, then `marginWith(ctx, pf, model)` on an already-parsed Portfolio, each call timed with " +
      "`process.hrtime.bigint()` after 500 warm-up calls. Cold (baseline): a fresh context per call, so every instrument's risk vector is computed in the call.")
    .table(["case", "iterations", "median µs", "p99 µs", "mean µs", "target", "status"], [
      latRow("portfolio, warm context", s.warmPortfolio, `< ${TARGET_WARM_US} µs median`, met(warmOk)),
      latRow("standard, warm context", s.warmStandard, "—", "—"),
      latRow("portfolio, cold context (baseline)", s.coldPortfolio, "—", "baseline"),
      latRow("standard, cold context (baseline)", s.coldStandard, "—", "baseline"),
    ])
    .table(["ratio (median)", "value"], [
      ["portfolio: cold / warm", fmtRatio(s.coldPortfolio.medianUs / s.warmPortfolio.medianUs)],
      ["standard: cold / warm", fmtRatio(s.coldStandard.medianUs / s.warmStandard.medianUs)],
      ["portfolio warm / standard warm", fmtRatio(s.warmPortfolio.medianUs / s.warmStandard.medianUs)],
    ])
    .p(`Risk vectors of the account's ${LARGE_POSITIONS} instruments (+3 spot), fresh context: ${fmtFixed(s.vectorsUs, 1)} µs median — most of the cold cost.`)
    .h3("Where the warm portfolio call's time goes (V8 sampling profile, 3,000 calls)");
  profileTables(r, s.profile);

  next("benchmark 3: book");
  const b = await benchBook(d);
  const bookOk = b.sharedRate >= TARGET_BOOK_RATE;
  r.h2(`2. Book of ${fmtInt(BOOK_SIZE)} accounts over ${d.universe.length} shared instruments (portfolio model)`)
    .p(`Shared: one \`prepareContext\` per pass (its ${b.vectorsComputed} risk vectors are computed lazily once and reused by every account), ` +
      `all ${fmtInt(BOOK_SIZE)} accounts margined; ${SHARED_PASSES} timed passes after one warm-up pass, median reported. ` +
      `Naive baseline: a fresh \`prepareContext\` per account (every position of every account revalued), measured on the first ` +
      `${fmtInt(b.naiveAccounts)} accounts and extrapolated to ${fmtInt(BOOK_SIZE)}. Portfolios are parsed beforehand (not timed).`)
    .table(["path", "accounts/s", `time for ${fmtInt(BOOK_SIZE)}`, "target", "status"], [
      ["shared risk context", fmtInt(b.sharedRate), `${fmtFixed(BOOK_SIZE / b.sharedRate, 3)} s`, `≥ ${fmtInt(TARGET_BOOK_RATE)} accounts/s`, met(bookOk)],
      ["shared risk context, standard model (reference)", fmtInt(b.sharedStandardRate), `${fmtFixed(BOOK_SIZE / b.sharedStandardRate, 3)} s`, "—", "—"],
      [`naive: fresh context per account (baseline, ${fmtInt(b.naiveAccounts)} accounts)`, fmtInt(b.naiveRate), `${fmtFixed(BOOK_SIZE / b.naiveRate, 2)} s (extrapolated)`, "—", "baseline"],
    ])
    .table(["", "value"], [
      ["ratio shared / naive", fmtRatio(b.sharedRate / b.naiveRate)],
      ["shared passes (accounts/s)", `${b.sharedRates.map((x) => fmtInt(x)).join(", ")} (best ${fmtInt(Math.max(...b.sharedRates))})`],
      [`all ${d.universe.length} risk vectors, once per snapshot`, `${fmtFixed(b.vectorsMs, 2)} ms`],
      [`results identical, shared vs naive (first ${fmtInt(b.naiveAccounts)} IMs)`, b.identical ? "yes" : "NO"],
    ])
    .h3("Where the shared path's time goes")
    .p(`In-process V8 sampling profile of two passes (profiled total ${fmtFixed(b.profile.totalMs, 0)} ms, profiling overhead included). ` +
      "V8 attributes builtins to their caller.");
  profileTables(r, b.profile);
  next("benchmark 4: CLI end to end");
  const c = await benchCli(d);
  const cliOk = c.rate >= TARGET_CLI_RATE;
  const computeS = c.medianS - c.versionS;
  r.h2(`3. CLI end to end: \`dpm margin <${fmtInt(BOOK_SIZE)}-line book of ${CLI_POSITIONS}-position accounts> --market <market> --json > /dev/null\``)
    .p(`Spawned child process (process start included), ${CLI_RUNS} runs of each command, interleaved, median. Book file ${fmtFixed(c.bookBytes / 2 ** 20, 1)} MiB of JSON lines; ` +
      `output ${fmtInt(c.outputLines)} lines, ${fmtFixed(c.outputBytes / 2 ** 20, 1)} MiB (checked on a separate, profiled run). The default (\`--workers auto\`) margins a ` +
      `JSON-lines file of ${PARALLEL_MIN_BYTES / 2 ** 20} MiB or more on min(cores, 4) threads from 2 cores on (${availableParallelism()} cores here): this thread and worker threads started by \`bin/dpm\` before the CLI loads, a chunk of 128 lines going to a ready worker with room and otherwise margined here; \`--workers 1\` margins on this thread alone (the baseline; output byte for byte the same). ` +
      "Without `--json` the command prints the human tables (issue 10: no slower than the JSON). The half-book row starts two in-process " +
      "`dpm margin --json` processes at once, each on one half of the book, and waits for both: what two separate processes get out of this " +
      "machine's cores, the ceiling for any use of the second core (worker threads share more than processes do).")
    .table(["command", "median s", "accounts/s", "target", "status"], [
      [`dpm margin … --json (${fmtInt(BOOK_SIZE)} accounts)`, fmtFixed(c.medianS, 3), fmtInt(c.rate), `≥ ${fmtInt(TARGET_CLI_RATE)} accounts/s`, met(cliOk)],
      [`dpm margin … (text tables, no --json)`, fmtFixed(c.textMedianS, 3), fmtInt(BOOK_SIZE / c.textMedianS), "≤ the --json time (median of paired ratios)", met(textRatio(c) <= 1)],
      [`dpm margin … --json --workers 1 (this thread alone)`, fmtFixed(c.oneThreadMedianS, 3), fmtInt(BOOK_SIZE / c.oneThreadMedianS), "—", "baseline"],
      [`two \`dpm margin … --json\` processes at once, each on half the book`, fmtFixed(c.halvesMedianS, 3), fmtInt(BOOK_SIZE / c.halvesMedianS), "—", "ceiling of 2 processes"],
      ["`node -e \"\"` (baseline: process start)", fmtFixed(c.nodeStartS, 3), "—", "—", "baseline"],
      ["`dpm --version` (process start + module load)", fmtFixed(c.versionS, 3), "—", "—", "reference"],
    ])
    .table(["", "value"], [
      ["runs (s)", c.runsS.map((x) => fmtFixed(x, 3)).join(", ")],
      ["runs with --workers 1 (s)", c.oneThreadRunsS.map((x) => fmtFixed(x, 3)).join(", ")],
      ["runs without --json (s)", c.textRunsS.map((x) => fmtFixed(x, 3)).join(", ")],
      ["runs of two half-book processes at once (s)", c.halvesRunsS.map((x) => fmtFixed(x, 3)).join(", ")],
      ["text / --json: median of the ratios of runs made one after the other (machine drift cancels); of the medians", `${fmtRatio(textRatio(c))}; ${fmtRatio(c.textMedianS / c.medianS)}`],
      ["two half-book processes / one whole-book process (medians; 0.5× would be two cores fully used)", fmtRatio(c.halvesMedianS / c.medianS)],
      ["default / --workers 1 (medians; < 1× means the threads were faster)", fmtRatio(c.medianS / c.oneThreadMedianS)],
      ["ratio dpm margin / node start", fmtRatio(c.medianS / c.nodeStartS)],
      ["accounts/s excluding `dpm --version` time", fmtInt(BOOK_SIZE / computeS)],
    ])
    .h3("CLI stages in-process (simple timers, same functions, warm JIT)")
    .table(["stage", "ms", "share"], (() => {
      // A "(reference: …)" row is not a stage of the command: outside the total.
      const ref = (x: { stage: string }) => x.stage.startsWith("(");
      const tot = c.stages.reduce((a, x) => a + (ref(x) ? 0 : x.ms), 0);
      return [...c.stages.map((x) => [x.stage, fmtFixed(x.ms, 1), ref(x) ? "not in the total" : `${fmtFixed((x.ms / tot) * 100, 1)} %`]), ["total", fmtFixed(tot, 1), "100 %"]];
    })())
    .h3("CLI child process profile (`node --cpu-prof`, `--workers 1`)")
    .p(`Profiled total ${fmtFixed(c.profile.totalMs, 0)} ms. Builtins are attributed to their caller. Each account is evaluated on the ` +
      "explanation path's book (`explainedBook`) and its line written from the book, with no result object, as UTF-8 by `ExplainedBytes` " +
      "(explainedBytes.js: `line`, `unit`, `positions`; `wasm-function[…]` entries are the WebAssembly number writer of native/shortestDigits.c) " +
      "and copied into the output chunk (`append`); `writeBuffer`/`flush` write the chunks to stdout. " +
      `The \`params\` object repeated in every result is ${fmtFixed(c.paramsShare * 100, 0)} % of the output bytes.`);
  profileTables(r, c.profile);

  const totalS = since(started) / 1e9;
  r.h2("Summary")
    .table(["benchmark", "measured", "target", "status", "vs baseline"], [
      [`one account, ${LARGE_POSITIONS} positions, portfolio (warm)`, `${fmtFixed(s.warmPortfolio.medianUs, 1)} µs median, ${fmtFixed(s.warmPortfolio.p99Us, 1)} µs p99`, `< ${TARGET_WARM_US} µs`, met(warmOk), `${fmtRatio(s.coldPortfolio.medianUs / s.warmPortfolio.medianUs)} faster than cold`],
      [`book of ${fmtInt(BOOK_SIZE)} accounts (shared context)`, `${fmtInt(b.sharedRate)} accounts/s`, `≥ ${fmtInt(TARGET_BOOK_RATE)}/s`, met(bookOk), `${fmtRatio(b.sharedRate / b.naiveRate)} naive`],
      [`CLI end to end, ${fmtInt(BOOK_SIZE)} accounts × ${CLI_POSITIONS} positions`, `${fmtFixed(c.medianS, 2)} s, ${fmtInt(c.rate)} accounts/s`, `≥ ${fmtInt(TARGET_CLI_RATE)}/s`, met(cliOk), `${fmtRatio(c.medianS / c.nodeStartS)} node start`],
    ])
    .p(`Core benchmarks' wall time: ${fmtFixed(totalS, 1)} s; load average after them ${loadavg().map((x) => fmtFixed(x, 2)).join(" / ")} ` +
      "(other processes on this machine add noise to the rates; the per-pass numbers above show the spread).");

  for (const section of AREA_BENCHES) {
    next(`area benchmark: ${section.name}`);
    try {
      const mod = (await import(section.module)) as Record<string, () => Promise<string>>;
      r.p(await mod[section.fn]());
    } catch (e) {
      r.h2(section.name).p(`Not run: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  bar.stop();
  const text = r.toString();
  writeFileSync(join(ROOT, "BENCHMARKS.md"), text);
  process.stdout.write(`${text}\n`);
  log(`wrote ${join(ROOT, "BENCHMARKS.md")} in ${totalS.toFixed(1)} s`);
}

await main();
