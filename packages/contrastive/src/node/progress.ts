import type { Progress } from '../train.js';

/** m:ss, rounded to the second first (so 179.6 s is 3:00, not 2:60). */
export function clock(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const t = Math.round(s), m = Math.floor(t / 60);
  return `${m}:${String(t - m * 60).padStart(2, '0')}`;
}

/**
 * A live progress bar for `fit`'s onProgress: epoch, batch, loss, pairs/s and time left, redrawn in place on a
 * terminal; on a pipe (CI, logs) one line per epoch instead.
 */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): (p: Progress) => void {
  const tty = Boolean(stream.isTTY);
  return (p) => {
    const done = p.epoch * p.batches + p.batch + 1, total = p.epochs * p.batches;
    const width = 24, filled = Math.round((width * done) / total);
    const line =
      `epoch ${p.epoch + 1}/${p.epochs} batch ${String(p.batch + 1).padStart(String(p.batches).length)}/${p.batches} ` +
      `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] loss ${p.loss.toFixed(4)} ` +
      `${Math.round(p.pairsPerSecond)} pairs/s, ${clock(p.elapsed)} elapsed, ${clock(p.remaining)} left`;
    if (tty) stream.write(`\r${line}\x1b[K${done === total ? '\n' : ''}`);
    else if (p.batch === p.batches - 1) stream.write(`${line}\n`);
  };
}
