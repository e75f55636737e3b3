/** The dashboard: static files from web/ (plain HTML/JS/CSS, no build step), served at `/`. */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import type { ServerDeps } from "../server.js";

const TYPES: Record<string, string> = { html: "text/html; charset=utf-8", js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8", svg: "image/svg+xml" };

/** A directory of the package holding `marker` (found from src/ under vitest or dist/src/ when built). */
export function packageDir(sub: string, marker: string): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 7; i++) {
    try {
      if (readdirSync(join(dir, sub)).includes(marker)) return join(dir, sub);
    } catch { /* keep climbing */ }
    dir = dirname(dir);
  }
  return undefined;
}

/** The package's web/ directory. */
export function webDir(): string | undefined {
  return packageDir("web", "index.html");
}

export function registerStaticRoutes(app: FastifyInstance, _deps: ServerDeps): void {
  const dir = webDir();
  const files = new Map<string, { type: string; body: string }>();
  if (dir) {
    for (const f of readdirSync(dir)) {
      const ext = f.split(".").pop() ?? "";
      if (TYPES[ext]) files.set(f, { type: TYPES[ext], body: readFileSync(join(dir, f), "utf8") });
    }
  }
  const send = (name: string) => async (_req: unknown, reply: import("fastify").FastifyReply) => {
    const f = files.get(name);
    if (!f) return reply.code(404).send({ error: "dashboard not found (web/ is missing)" });
    return reply.type(f.type).header("cache-control", "no-cache").send(f.body);
  };
  app.get("/", { config: { access: "public" } }, send("index.html"));
  for (const name of files.keys()) if (name !== "index.html") app.get(`/${name}`, { config: { access: "public" } }, send(name));
}
