import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { Option, type Command } from "commander";
import { DpmInputError } from "../../../input/issues.js";
import { parseMarket } from "../../../input/marketSchema.js";
import { parseJson, readText } from "../io.js";
import { demoBookFile, examplesDir } from "../../http/demo.js";
import { loadBook } from "../../bookLoader.js";
import { formatIssue } from "../../../input/issues.js";
import { ownerOf } from "../../../engine/partition.js";
import { feedFrom, parseFeedSpec } from "../feedSpec.js";
import { startService } from "../../http/service.js";
import { describeStoreTarget, isPostgresTarget } from "../../storeFactory.js";
import { parsePartition } from "../../../engine/partition.js";
import { presetNames } from "../../../input/presets.js";
import { DEFAULT_MAX_INDEX_MOVE, DEFAULT_PRICE_BAND } from "../../../input/bounds.js";
import type { ScaleOutServiceOptions } from "../../http/service.js";
import { CliFailure } from "../context.js";
import { adaptiveConfigFrom, adaptiveOptions, type AdaptiveFlags } from "../adaptiveFlags.js";

interface ServeFlags {
  port: string; host: string; db?: string; demo: boolean; book?: string; strict: boolean; sync: "full" | "normal"; snapshotEvery: string;
  rateLimit: string; bodyLimit: string; tickMs: string; market?: string; seed: string;
  liquidate: boolean; adl: boolean; liqTarget: string; liqFee: string; quiet: boolean; trustedFills?: boolean; feed?: string; priceBand: string; maxIndexMove: string;
  preset?: string; nats?: string; partition?: string; publishMarket: boolean; natsStream?: string; natsPrefix?: string; consumer?: string;
  workers: string;
}

/** `--nats`, `--partition`, `--publish-market` and friends → scale-out options (undefined without --nats). */
function scaleOutFlags(f: ServeFlags): ScaleOutServiceOptions | undefined {
  const bad = (path: string, message: string, value: unknown) => new DpmInputError(`invalid ${path}`, [{ path, message, value }]);
  if (f.nats === undefined) {
    for (const [flag, v] of [["--partition", f.partition], ["--nats-stream", f.natsStream], ["--nats-prefix", f.natsPrefix], ["--consumer", f.consumer]] as const) if (v !== undefined) throw bad(flag, "needs --nats", v);
    if (f.publishMarket) throw bad("--publish-market", "needs --nats", true);
    return undefined;
  }
  if (!/^(nats|tls|wss?):\/\/\S+$/.test(f.nats)) throw bad("--nats", "must be a nats://HOST:PORT URL", f.nats);
  if (f.demo) throw bad("--demo", "cannot be combined with --nats (create accounts on their owning worker)", true);
  if (f.preset !== undefined) throw bad("--preset", "cannot be combined with --nats (parameters go through the market stream: PUT /v1/params on the publisher)", f.preset);
  const partition = parsePartition(f.partition ?? "0/1");
  if (!partition) throw bad("--partition", "must be I/N with 0 ≤ I < N ≤ 1024", f.partition);
  if (f.natsStream !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(f.natsStream)) throw bad("--nats-stream", "must be 1-64 letters, digits, _ or -", f.natsStream);
  if (f.natsPrefix !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(f.natsPrefix)) throw bad("--nats-prefix", "must be 1-64 letters, digits, _ or - (one subject token)", f.natsPrefix);
  if (f.consumer !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(f.consumer)) throw bad("--consumer", "must be 1-64 letters, digits, _ or -", f.consumer);
  return {
    partition, nats: f.nats, publishMarket: f.publishMarket || (f.feed !== undefined && f.feed !== "none"),
    ...(f.natsStream ? { stream: f.natsStream } : {}), ...(f.natsPrefix ? { prefix: f.natsPrefix } : {}), ...(f.consumer ? { consumer: f.consumer } : {}),
  };
}

function fractionFlag(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new DpmInputError(`invalid ${name}`, [{ path: name, message: `must be a number in [${min}, ${max}]`, value: v }]);
  return n;
}

function intFlag(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new DpmInputError(`invalid ${name}`, [{ path: name, message: `must be an integer in [${min}, ${max}]`, value: v }]);
  return n;
}

/** The raw --market JSON, validated before anything is created (a bad file is invalid input: exit 2). */
function readMarketFile(file: string): unknown {
  const json = parseJson(readText(file, "--market"), "--market");
  const r = parseMarket(json);
  if (!r.ok) throw new DpmInputError(`invalid market snapshot ${file}`, r.issues.map((i) => ({ ...i, path: i.path === "(root)" ? "--market" : `--market: ${i.path}` })));
  return json;
}

/**
 * `--book FILE`: every line an account as it stands (src/adapters/bookLoader.ts); each problem of a refused line on
 * stderr as `dpm margin` prints it (`line N: path: message`), a summary on stdout. With `--strict`, a bad line
 * refuses the whole file (DpmInputError: exit 2, nothing loaded).
 */
async function loadBookFile(svc: Awaited<ReturnType<typeof startService>>, file: string, strict: boolean, scaleOut: ScaleOutServiceOptions | undefined, say: (s: string) => void): Promise<void> {
  const part = scaleOut?.partition;
  const rel = relative(process.cwd(), file);
  const shown = rel.startsWith("..") || isAbsolute(rel) ? file : rel;
  const onIssue = strict ? undefined : (i: Parameters<typeof formatIssue>[0]) => process.stderr.write(`dpm: book ${shown}:${formatIssue(i).replace(/^ +/, " ")}\n`);
  const r = await loadBook(svc, { file, strict, ...(onIssue ? { onIssue } : {}), ...(part ? { owns: (id: string) => ownerOf(id, part.count) === part.index } : {}) });
  const parts = [`${r.loaded} account${r.loaded === 1 ? "" : "s"} loaded in ${(r.ms / 1000).toFixed(1)} s`, ...(r.existing > 0 ? [`${r.existing} already in the log`] : []), ...(r.otherPartitions > 0 ? [`${r.otherPartitions} of other partitions`] : []), `${r.refused} of ${r.lines} lines refused`];
  say(`dpm: book ${shown}: ${parts.join(", ")}`);
}

/** A `--book` file must be a readable file, checked before the service starts (exit 2, nothing created). */
function checkBookFile(file: string): void {
  if (file === "-") return;
  let why: string | undefined;
  try {
    if (statSync(file).isDirectory()) why = "is a directory, not a file";
    else accessSync(file, constants.R_OK);
  } catch (e) {
    why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
  }
  if (why) throw new DpmInputError("cannot read --book", [{ path: "--book", message: why, value: file }]);
}

function waitForSignal(): Promise<string> {
  return new Promise((res) => {
    const done = (s: string) => { process.off("SIGINT", onInt); process.off("SIGTERM", onTerm); res(s); };
    const onInt = () => done("SIGINT");
    const onTerm = () => done("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
  });
}

async function serve(f: ServeFlags & AdaptiveFlags): Promise<void> {
  const port = intFlag("--port", f.port, 0, 65535);
  const snapshotEvery = intFlag("--snapshot-every", f.snapshotEvery, 1, 1e9);
  const workers = f.workers === "auto" ? "auto" : intFlag("--workers", f.workers, 1, 64);
  const rateLimit = intFlag("--rate-limit", f.rateLimit, 0, 1e9);
  const bodyLimit = intFlag("--body-limit", f.bodyLimit, 1024, 1 << 30);
  const tickMs = intFlag("--tick-ms", f.tickMs, 10, 3_600_000);
  const liquidation = { enabled: f.liquidate, adl: f.adl, targetUsage: fractionFlag("--liq-target", f.liqTarget, 0.01, 1), feeRate: fractionFlag("--liq-fee", f.liqFee, 0, 0.1) };
  const bands = { priceBand: fractionFlag("--price-band", f.priceBand, 1.01, 100), maxIndexMove: fractionFlag("--max-index-move", f.maxIndexMove, 0.001, 100) };
  const feedSpec = parseFeedSpec(f.feed ?? (f.demo ? "simulated" : "none"));
  const examples = examplesDir();
  const marketFile = f.market ?? (f.demo && examples ? join(examples, "market.json") : undefined);
  const initialMarket = marketFile ? readMarketFile(marketFile) : undefined;
  const scaleOut = scaleOutFlags(f);
  const bookFile = f.book ?? (f.demo ? demoBookFile() : undefined);
  if (f.strict && f.book === undefined) throw new DpmInputError("invalid --strict", [{ path: "--strict", message: "needs --book", value: true }]);
  if (f.book !== undefined) checkBookFile(f.book);
  const adaptive = adaptiveConfigFrom(f);
  if (adaptive && scaleOut) throw new DpmInputError("invalid --adaptive", [{ path: "--adaptive", message: "cannot be combined with --nats (parameters go through the market stream)", value: f.adaptive }]);
  if (f.preset !== undefined && !presetNames().includes(f.preset)) throw new DpmInputError("invalid --preset", [{ path: "--preset", message: `must be one of ${presetNames().join(", ")}`, value: f.preset }]);
  let db = f.db;
  /** The demo's own temporary directory, removed at shutdown (a demo database is throwaway). */
  let throwaway: string | undefined;
  if (db === undefined) {
    const dir = f.demo ? (throwaway = mkdtempSync(join(tmpdir(), "dpm-demo-"))) : resolve(".dpm");
    mkdirSync(dir, { recursive: true });
    db = join(dir, f.demo ? "demo.sqlite" : "dpm.sqlite");
  } else if (db !== ":memory:" && !isPostgresTarget(db)) mkdirSync(dirname(resolve(db)), { recursive: true });
  let svc: Awaited<ReturnType<typeof startService>>;
  try {
    svc = await startService({ db, port, host: f.host, sync: f.sync, snapshotEvery, workers, rateLimit, bodyLimit, adminKey: process.env.DPM_ADMIN_KEY || undefined, initialMarket, liquidation, bands, quiet: f.quiet, trustedFills: f.trustedFills ?? f.demo, book: bookFile !== undefined, ...(scaleOut ? { scaleOut } : {}), ...(adaptive ? { adaptive } : {}) });
  } catch (e) {
    if (throwaway) rmSync(throwaway, { recursive: true, force: true });
    if ((e as NodeJS.ErrnoException).code === "EADDRINUSE") throw new CliFailure(`port ${port} is in use (${f.host}:${port} has another listener); choose another with --port`);
    throw e;
  }
  const say = (s: string) => process.stdout.write(`${s}\n`);
  say(`dpm: listening on ${svc.url} (db ${describeStoreTarget(db)})`);
  if (scaleOut) say(`dpm: partition ${scaleOut.partition.index}/${scaleOut.partition.count} (fnv1a32 of account id), market stream ${scaleOut.stream ?? "DPM_MARKET"} on ${scaleOut.nats}, consumer ${scaleOut.consumer ?? `dpm-worker-${scaleOut.partition.index}`}${scaleOut.publishMarket ? ", publishing market data" : ""}, market seq ${svc.engine.state.marketSeq}`);
  if (svc.generatedAdminKey) say(`dpm: admin key (shown once, store it): ${svc.generatedAdminKey}`);
  try {
    if (f.preset !== undefined && svc.engine.state.paramsSource.preset !== f.preset) {
      const r = await svc.engine.submit({ type: "params", preset: f.preset });
      if (!r.ok) throw new DpmInputError("invalid --preset", [{ path: "--preset", message: r.reason, value: f.preset }]);
      say(`dpm: margin parameters: preset ${f.preset} (logged as a params event; every account re-margined)`);
    }
    if (bookFile !== undefined) await loadBookFile(svc, bookFile, f.strict, scaleOut, say);
    const feed = feedFrom(feedSpec, svc.engine, Number(f.seed), tickMs);
    if (feed) {
      await svc.startFeed(feed);
      say(`dpm: feed ${feedSpec.kind}${feedSpec.kind === "replay" ? ` ${feedSpec.file}` : ""}`);
    }
  } catch (e) {
    await svc.close();
    if (throwaway) rmSync(throwaway, { recursive: true, force: true });
    throw e;
  }
  if (svc.adaptive) say(`dpm: adaptive parameters (${svc.adaptive.config.mode}) for ${svc.adaptive.assets.join(", ") || "no asset"}: every ${f.adaptiveEvery} of feed time and on a regime change${svc.adaptive.config.mode === "auto" ? `, applied after ${f.adaptiveNotice}` : ", approved by an admin"}; GET /v1/params/adaptive`);
  if (f.demo) {
    const key = svc.generatedAdminKey ?? process.env.DPM_ADMIN_KEY;
    say(`dpm: demo: ${svc.engine.state.accounts.size} accounts${feedSpec.kind === "simulated" ? `, simulated feed every ${tickMs} ms` : ""}`);
    say(`dpm: dashboard: http://localhost:${svc.port}/${key ? `#key=${encodeURIComponent(key)}` : ""}`);
  }
  const sig = await waitForSignal();
  say(`dpm: ${sig}, shutting down`);
  await svc.close();
  if (throwaway) rmSync(throwaway, { recursive: true, force: true });
}

/** `dpm serve`: the HTTP + WebSocket service (docs/service.md). */
export function registerServeCommand(p: Command, _out: Pick<string[], "push">): void {
  const cmd = p.command("serve")
    .description("run the margin service: HTTP + WebSocket API under /v1, dashboard at /")
    .option("--port <n>", "TCP port (0: any free port)", "8080")
    .option("--host <addr>", "address to listen on", "127.0.0.1")
    .option("--db <file|url>", "SQLite file, or postgres://user@host/db?schema=NAME (default ./.dpm/dpm.sqlite; a temp dir with --demo)")
    .option("--demo", "example market, the example books (as --book examples/books.jsonl), simulated feed", false)
    .option("--book <file>", "portfolio JSON lines (dpm margin's format): each line becomes an account as it stands (balances, positions at their entry price or the mark, resting orders); accounts already in the log are kept; bad lines are reported and skipped")
    .option("--strict", "with --book: refuse the whole file (exit 2, nothing loaded) when any line is bad", false)
    .option("--market <file>", "initial market snapshot when the log is empty")
    .option("--preset <name>", `margin parameters: a venue preset (${presetNames().join(", ")}); logged as a params event when it differs from the log's`)
    .addOption(new Option("--sync <mode>", "durability (full: fsync every commit / synchronous_commit=on)").choices(["full", "normal"]).default("full"))
    .option("--snapshot-every <n>", "write a state snapshot every N events", "1000")
    .option("--workers <n|auto>", "margin kernel threads: 1 in process, N worker threads (account shards); auto: 2 from 20,000 accounts on ≥ 2 cores", "auto")
    .option("--rate-limit <n>", "requests per second per API key (0: off)", "50")
    .option("--body-limit <bytes>", "largest request body", String(1024 * 1024))
    .option("--feed <spec>", "market feed: none | simulated | replay:FILE[@SPEED] | deribit[:URL] (default: simulated with --demo, else none)")
    .option("--tick-ms <n>", "simulated feed interval", "1000")
    .option("--seed <n>", "simulated feed seed in --demo", "42")
    .option("--no-liquidate", "do not liquidate accounts in liquidation (they are only flagged)")
    .option("--no-adl", "no auto-deleveraging: a deficit the insurance fund cannot cover stays as the account's negative balance")
    .option("--liq-target <usage>", "liquidation stops once MM / adjusted equity ≤ this", "0.9")
    .option("--liq-fee <rate>", "liquidation fee to the insurance fund, fraction of the notional traded", "0.0015")
    .option("--quiet", "no operator log lines (JSON, one per unexpected error) on stderr", false)
    .option("--price-band <factor>", "fills, orders and marks of futures, perpetuals and spot within this factor of the mark or index (409 outside)", String(DEFAULT_PRICE_BAND))
    .option("--max-index-move <fraction>", "a tick may move an index by at most this fraction of the last one unless it says \"force\": true (409)", String(DEFAULT_MAX_INDEX_MOVE))
    .option("--trusted-fills", "account keys may post their own fills and deposits (default with --demo)")
    .option("--nats <url>", "scale-out worker: market stream on this NATS JetStream server (docs/scale-out.md)")
    .option("--partition <I/N>", "with --nats: own the accounts with fnv1a32(id) mod N = I (default 0/1)")
    .option("--publish-market", "with --nats: run the feed and accept market writes, publishing them to the stream (implied by --feed)", false)
    .option("--nats-stream <name>", "with --nats: JetStream stream name (default DPM_MARKET)")
    .option("--nats-prefix <token>", "with --nats: subject prefix (default dpm: dpm.market.>, dpm.fleet.<I>)")
    .option("--consumer <name>", "with --nats: durable consumer name (default dpm-worker-<I>)")
    .option("--no-trusted-fills", "fills, deposits and funding need the admin key (default without --demo)")
    // `--quiet` is also the global option (no progress or notes), which commander hands to the program.
    .action((f: ServeFlags & AdaptiveFlags, c: Command) => serve({ ...f, quiet: f.quiet || c.optsWithGlobals().quiet === true }));
  adaptiveOptions(cmd);
}
