/** Canvas plumbing shared by the views: crisp drawing at any device-pixel ratio, arrows, a linear scale. */

export interface Surface {
  ctx: CanvasRenderingContext2D;
  /** Size in CSS pixels. */
  width: number;
  height: number;
}

/**
 * Sizes the canvas's backing store to its CSS box times devicePixelRatio and returns a context that draws in
 * CSS pixels, so lines stay sharp on high-density screens and in screenshots.
 */
export function surface(canvas: HTMLCanvasElement): Surface {
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  const w = Math.max(1, Math.round(width * dpr)), h = Math.max(1, Math.round(height * dpr));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser gives no 2-D canvas context');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return { ctx, width, height };
}

/** An arrow from (x1, y1) to (x2, y2) with a filled head, in the context's current stroke and fill style. */
export function arrow(ctx: CanvasRenderingContext2D, x1: number, y1: number, x2: number, y2: number, head = 7): void {
  const len = Math.hypot(x2 - x1, y2 - y1);
  if (len < 1e-6) return;
  const ux = (x2 - x1) / len, uy = (y2 - y1) / len;
  const h = Math.min(head, 0.6 * len);
  const bx = x2 - ux * h, by = y2 - uy * h;
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(bx, by);
  ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(x2, y2);
  ctx.lineTo(bx - uy * h * 0.5, by + ux * h * 0.5);
  ctx.lineTo(bx + uy * h * 0.5, by - ux * h * 0.5);
  ctx.closePath();
  ctx.fill();
}

/** The affine map taking [d0, d1] onto [r0, r1], and its inverse. */
export function scale(d0: number, d1: number, r0: number, r1: number): { to: (v: number) => number; from: (p: number) => number } {
  const k = (r1 - r0) / (d1 - d0 || 1);
  return { to: (v) => r0 + (v - d0) * k, from: (p) => d0 + (p - r0) / k };
}

/** Redraws `draw` on the next animation frame, once however many times it is asked in between. */
export function scheduler(draw: () => void): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  };
}
