/** A progress bar on stderr, shown only on a TTY and never with --json (stdout stays clean). */
export function progressBar(label: string, json: boolean): ((done: number, total: number) => void) | undefined {
  if (json || !process.stderr.isTTY) return undefined;
  let last = -1;
  return (done, total) => {
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    if (pct === last) return;
    last = pct;
    const width = 30, fill = Math.round((width * pct) / 100);
    process.stderr.write(`\r${label} [${"#".repeat(fill)}${".".repeat(width - fill)}] ${String(pct).padStart(3)}%`);
    if (done >= total) process.stderr.write("\n");
  };
}
