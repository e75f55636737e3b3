/**
 * WebSocket /v1/stream. A client authenticates with `Authorization: Bearer <key>` on the upgrade or with its
 * first message `{"type":"auth","key":"<key>"}` (never in the URL), then sends `{"op":"subscribe","accounts":["a"]}` and/or
 * `{"op":"subscribe","fleet":true,"top":50}` (`top`: the fleet page size, 1-500, default 20; `"op":"unsubscribe"`
 * likewise) and receives `{"type":"account","data":AccountMargin}`, `{"type":"insight","data":AccountInsight}` (the
 * binding component and distance to liquidation of a subscribed account, when recomputed),
 * `{"type":"fleet","data":FleetSummary}` and `{"type":"market","data":{asset,index,ts,seq}}` messages.
 * Slow clients get conflated updates: each client holds at most one pending message per topic (a newer
 * update replaces the older one); pending messages are written only while `socket.bufferedAmount` is
 * below a high-water mark, so no client ever has an unbounded buffer.
 */
import type { FastifyInstance } from "fastify";
import type { WebSocket } from "ws";
import type { MarginsChanged } from "../../engine/engine.js";
import { engineFleet } from "../../engine/fleet.js";
import { authenticate, type Gate, type ServerDeps } from "./server.js";
import type { InsightPump } from "./insights.js";
import type { Principal } from "./keys.js";

const HIGH_WATER = 256 * 1024;
const FLEET_EVERY_MS = 200;
/** Fleet page sizes a subscription may ask for. */
export const FLEET_TOP_MAX = 500;

class Client {
  readonly accounts = new Set<string>();
  fleet = false;
  /** Accounts on this client's fleet page. */
  fleetTop = 20;
  market = false;
  readonly pending = new Map<string, string>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly socket: WebSocket, readonly principal: Principal, private readonly hub: StreamHub) {}

  offer(topic: string, message: string): void {
    if (this.pending.has(topic)) this.hub.conflated++;
    this.pending.set(topic, message);
    this.flush();
  }

  flush(): void {
    if (this.socket.readyState !== 1) return;
    for (const [topic, msg] of this.pending) {
      if (this.socket.bufferedAmount > HIGH_WATER) {
        this.timer ??= setTimeout(() => { this.timer = undefined; this.flush(); }, 20);
        return;
      }
      this.pending.delete(topic);
      this.socket.send(msg);
      this.hub.sent++;
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

export class StreamHub {
  readonly clients = new Set<Client>();
  conflated = 0;
  sent = 0;
  private fleetTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly deps: ServerDeps, readonly insights?: InsightPump) {
    deps.engine.bus.on("margins", (m: MarginsChanged) => this.onMargins(m));
    if (insights) {
      insights.onUpdate = (ids) => this.onInsights(ids);
      insights.subscribed = () => this.subscribedAccounts();
    }
  }

  /** Every account some client subscribes to. */
  private subscribedAccounts(): Set<string> {
    const ids = new Set<string>();
    for (const c of this.clients) for (const id of c.accounts) ids.add(id);
    return ids;
  }

  /** Insights recomputed: to the accounts' subscribers, and a fleet push (the rows carry them). */
  private onInsights(ids: readonly string[]): void {
    const cache = this.insights?.cache;
    if (!cache || this.clients.size === 0) return;
    for (const id of ids) {
      const i = cache.get(id);
      if (!i) continue;
      const msg = JSON.stringify({ type: "insight", data: i });
      for (const c of this.clients) if (c.accounts.has(id)) c.offer(`insight:${id}`, msg);
    }
    this.scheduleFleet();
  }

  private onMargins(m: MarginsChanged): void {
    if (this.clients.size === 0) return;
    // Only subscribed accounts' margins are built: an account was re-margined by this event when its published seq is the event's.
    const margins = this.deps.engine.margins, built = new Map<string, string | null>();
    for (const c of this.clients) {
      for (const id of c.accounts) {
        let msg = built.get(id);
        if (msg === undefined) {
          const a = margins.seqOf(id) === m.seq ? margins.get(id) : undefined;
          built.set(id, (msg = a ? JSON.stringify({ type: "account", data: a }) : null));
        }
        if (msg) c.offer(`account:${id}`, msg);
      }
    }
    const market = this.deps.engine.state.market;
    if (market) {
      for (const asset of m.moved) {
        if (asset === "*" || !market.assets[asset]) continue;
        const msg = JSON.stringify({ type: "market", data: { asset, index: market.assets[asset].index, ts: market.asOf[asset], seq: m.seq } });
        for (const c of this.clients) if (c.market) c.offer(`market:${asset}`, msg);
      }
    }
    this.scheduleFleet();
  }

  private scheduleFleet(): void {
    if (this.fleetTimer || ![...this.clients].some((c) => c.fleet)) return;
    this.fleetTimer = setTimeout(() => {
      this.fleetTimer = undefined;
      this.pushFleet();
    }, FLEET_EVERY_MS);
  }

  /** Send the fleet summary to fleet subscribers now (built once per page size asked for). */
  pushFleet(): void {
    const byTop = new Map<number, string>();
    for (const c of this.clients) {
      if (!c.fleet) continue;
      let msg = byTop.get(c.fleetTop);
      if (msg === undefined) {
        const data = engineFleet(this.deps.engine, { top: c.fleetTop, ...(this.insights ? { insights: this.insights.cache, now: this.deps.clock() } : {}) });
        byTop.set(c.fleetTop, (msg = JSON.stringify({ type: "fleet", data })));
      }
      c.offer("fleet", msg);
    }
  }

  attach(socket: WebSocket, principal: Principal): void {
    const c = new Client(socket, principal, this);
    this.clients.add(c);
    // A client that sends but never reads would queue replies without bound: above the high-water mark they are dropped.
    const reply = (o: unknown) => { if (socket.bufferedAmount <= HIGH_WATER) socket.send(JSON.stringify(o)); };
    socket.on("message", (raw: Buffer) => {
      let m: { op?: unknown; accounts?: unknown; fleet?: unknown; market?: unknown; top?: unknown };
      try { m = JSON.parse(raw.toString()) as typeof m; } catch { reply({ type: "error", error: "message is not JSON" }); return; }
      if (m.op !== "subscribe" && m.op !== "unsubscribe") { reply({ type: "error", error: 'op must be "subscribe" or "unsubscribe"' }); return; }
      const add = m.op === "subscribe";
      const ids = Array.isArray(m.accounts) ? m.accounts.filter((x): x is string => typeof x === "string") : [];
      const denied = ids.filter((id) => principal.role !== "admin" && id !== principal.account);
      if (denied.length > 0 || (m.fleet === true && principal.role !== "admin")) {
        reply({ type: "error", status: 403, error: "this key may not subscribe to that", accounts: denied });
        return;
      }
      if (m.top !== undefined && !(Number.isInteger(m.top) && (m.top as number) >= 1 && (m.top as number) <= FLEET_TOP_MAX)) {
        reply({ type: "error", error: `top must be an integer from 1 to ${FLEET_TOP_MAX}` });
        return;
      }
      for (const id of ids) (add ? c.accounts.add(id) : c.accounts.delete(id));
      if (m.fleet === true) c.fleet = add;
      if (typeof m.top === "number") c.fleetTop = m.top;
      if (m.market === true) c.market = add;
      reply({ type: "subscribed", accounts: [...c.accounts], fleet: c.fleet, top: c.fleetTop, market: c.market });
      if (add && ids.length > 0) this.insights?.cache.want(ids, this.deps.clock());
      for (const id of add ? ids : []) {
        const a = this.deps.engine.margins.get(id);
        if (a) c.offer(`account:${id}`, JSON.stringify({ type: "account", data: a }));
        const i = this.insights?.cache.get(id);
        if (i) c.offer(`insight:${id}`, JSON.stringify({ type: "insight", data: i }));
      }
      if (add && m.fleet === true) this.pushFleet();
    });
    socket.on("close", () => { c.close(); this.clients.delete(c); });
  }

  /** Close the streams opened with a key (after it was revoked); returns how many. */
  dropKey(keyId: string): number {
    let n = 0;
    for (const c of [...this.clients]) {
      if (c.principal.keyId !== keyId) continue;
      c.close();
      c.socket.close(1008, "API key revoked");
      this.clients.delete(c);
      n++;
    }
    return n;
  }

  close(): void {
    if (this.fleetTimer) clearTimeout(this.fleetTimer);
    for (const c of this.clients) { c.close(); c.socket.terminate(); }
    this.clients.clear();
  }
}

/** How long a WebSocket without an `Authorization` header has to send its `{"type":"auth","key":…}` message. */
export const WS_AUTH_MS = 5000;

/**
 * A socket opened without an `Authorization` header (browsers cannot set one) authenticates with its first
 * message, `{"type":"auth","key":"dpm_…"}`, within WS_AUTH_MS: answered `{"type":"authenticated"}`, then it is
 * a stream like any other. Anything else first, a wrong key, or silence: closed with 1008 (policy violation).
 * Failed attempts spend the address's failed-authentication budget, as failed HTTP requests do. The key never
 * travels in the URL, where proxies and access logs keep it.
 */
function awaitAuth(hub: StreamHub, socket: WebSocket, ip: string, gate: Gate, ms: number): void {
  const timer = setTimeout(() => socket.close(1008, `no auth message within ${ms} ms`), ms);
  socket.once("close", () => clearTimeout(timer));
  socket.once("message", (raw: Buffer) => {
    clearTimeout(timer);
    let m: { type?: unknown; key?: unknown } | undefined;
    try { m = JSON.parse(raw.toString()) as typeof m; } catch { m = undefined; }
    if (m === null || typeof m !== "object" || m.type !== "auth" || typeof m.key !== "string") {
      socket.close(1008, 'the first message must be {"type":"auth","key":"<API key>"}');
      return;
    }
    // Messages sent right behind the auth message (subscriptions) wait for the verification; at most a few.
    const queued: Buffer[] = [];
    const hold = (x: Buffer) => { if (queued.push(x) > 16) socket.close(1008, "too many messages before authentication completed"); };
    socket.on("message", hold);
    void authenticate(gate, ip, m.key).then((a) => {
      socket.off("message", hold);
      if (!a.ok) { socket.close(1008, a.status === 429 ? "too many failed authentications" : "invalid API key"); return; }
      if (socket.readyState !== 1) return;
      socket.send(JSON.stringify({ type: "authenticated", role: a.principal.role, ...(a.principal.account !== undefined ? { account: a.principal.account } : {}) }));
      hub.attach(socket, a.principal);
      for (const x of queued) socket.emit("message", x);
    }, () => socket.close(1011, "authentication failed"));
  });
}

export function registerStream(app: FastifyInstance, deps: ServerDeps, gate: Gate, authMs = WS_AUTH_MS, insights?: InsightPump): StreamHub {
  const hub = new StreamHub(deps, insights);
  app.get("/v1/stream", { websocket: true, config: { access: "any" } }, (socket, req) => {
    if (req.principal) hub.attach(socket, req.principal);
    else awaitAuth(hub, socket, req.ip, gate, authMs);
  });
  return hub;
}
