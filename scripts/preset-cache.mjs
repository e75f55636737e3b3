// Writes dist/presets.validated.json: every shipped preset as the zod schema validates it, with the texts of its
// files (src/input/presetCache.ts reads it, so that `dpm margin` on a shipped preset loads no zod). Run by the build.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const { validatedPresets } = await import("../dist/src/input/presets.js");
writeFileSync(fileURLToPath(new URL("../dist/presets.validated.json", import.meta.url)), `${JSON.stringify(validatedPresets())}\n`);
