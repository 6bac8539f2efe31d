// DrLIM's spring model (Hadsell, Chopra & LeCun, CVPR 2006, section 2.2), made literal. Thirty-six points in
// the plane are the parameters themselves (a Parameter of shape [n, 2]: the mapping G_W is the identity on
// one-hot inputs, so nothing but the springs decides where a point goes). Each point is similar to its 3 nearest
// neighbours in the starting layout; every other pair is dissimilar. Plain gradient descent on the contrastive
// loss (summed over pairs, margin m = 1)
//
//   L = Σ_similar ½·D²  +  Σ_dissimilar ½·max(0, m − D)²,         D = ‖x_i − x_j‖
//
// moves the points, and the forces on a point are the negative gradient of L with respect to its position:
//
//   F_i = −∂L/∂x_i = Σ_similar −D·u_ij  +  Σ_dissimilar, D<m (m − D)·u_ij,     u_ij = (x_i − x_j)/D
//
// A similar pair is an attract-only spring of rest length 0 and stiffness 1: it pulls its ends together with a
// force ∝ D (Hooke). A dissimilar pair is an m-repulse-only spring: it pushes its ends apart with a force
// ∝ (m − D) while they are closer than m, and goes slack (no force at all) beyond the margin. Training relaxes
// the system to an equilibrium where, at every point, the pulls of its neighbours' springs balance the pushes of
// the points inside its margin circle: the springs stay loaded, but the net force goes to zero.
//
// At steps 0, 10, 50 and 300 it draws each point with its attraction (from the similar-pair loss alone) and
// repulsion (from the dissimilar-pair loss alone), both computed with autograd as −∇ of that part of the loss,
// and prints the loss, the mean similar-pair length, the fraction of dissimilar pairs inside the margin and the
// total net force Σ_i ‖F_i‖. Everything is a function of the seed.
//
//   pnpm run build && node examples/spring/main.mjs [--seed N] [--out DIR]
//
// writes DIR/stage-<step>.svg for each stage and DIR/spring.svg with the stages side by side; DIR defaults to
// out/spring under the current directory.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Generator, Tensor } from '@tsgrad/tensor';
import { add, gather, valueAndGrad } from '@tsgrad/autograd';
import { Parameter, optim } from '@tsgrad/nn';
import {
  TABLEAU10, contrastiveLoss, drawAxes, drawLegend, escapeXml, euclideanDistance, linearScale, niceTicks, num,
  pairsFromNeighbors, svgOpen,
} from '@tsgrad/contrastive';

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const seed = Number(option('--seed', 2006));
const outDir = resolve(option('--out', join('out', 'spring')));

const CLUSTERS = 3, PER_CLUSTER = 12, K = 3; // 36 points, each similar to its 3 nearest neighbours
const MARGIN = 1; // m: the reach of the repulsive springs
const LR = 0.01; // plain gradient descent: x ← x + lr·F (no momentum, so the picture is the pure force field)
const STAGES = [0, 10, 50, 300];
const n = CLUSTERS * PER_CLUSTER;

// Three tight clusters on a triangle: far enough apart that clusters start beyond each other's margin, tight
// enough that many points start inside each other's margin circle, so the repulsion has work to do.
const g = new Generator(seed);
const x0 = new Float64Array(2 * n);
const cluster = new Int32Array(n);
for (let c = 0, i = 0; c < CLUSTERS; c++) {
  const a = Math.PI / 2 + (2 * Math.PI * c) / CLUSTERS;
  for (let k = 0; k < PER_CLUSTER; k++, i++) {
    cluster[i] = c;
    x0[2 * i] = 1.5 * Math.cos(a) + 0.22 * g.nextNormal();
    x0[2 * i + 1] = 1.5 * Math.sin(a) + 0.22 * g.nextNormal();
  }
}
// One point per cluster gets its margin circle drawn boldly (the others faintly): the one nearest its cluster's
// starting centroid, where the crowding, and so the repulsion, is strongest.
const highlighted = Array.from({ length: CLUSTERS }, (_, c) => {
  let mx = 0, my = 0;
  for (let i = c * PER_CLUSTER; i < (c + 1) * PER_CLUSTER; i++) (mx += x0[2 * i] / PER_CLUSTER), (my += x0[2 * i + 1] / PER_CLUSTER);
  let best = c * PER_CLUSTER;
  for (let i = best; i < (c + 1) * PER_CLUSTER; i++) {
    if (Math.hypot(x0[2 * i] - mx, x0[2 * i + 1] - my) < Math.hypot(x0[2 * best] - mx, x0[2 * best + 1] - my)) best = i;
  }
  return best;
});

// The neighbourhood graph in input space (the starting layout) gives the similar pairs; the rest are dissimilar.
const similar = pairsFromNeighbors(new Tensor(x0, [n, 2]), { k: K });
const dA = [], dB = [];
for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (!similar.has(i, j)) (dA.push(i), dB.push(j));
const sA = similar.a, sB = similar.b;
const disA = Int32Array.from(dA), disB = Int32Array.from(dB);
const ySimilar = new Float64Array(sA.length); // Y = 0: similar
const yDissimilar = new Float64Array(disA.length).fill(1); // Y = 1: dissimilar

// The two halves of the loss as functions of the positions X [n, 2]. Summed, not averaged over pairs, so that
// each pair is one spring of unit stiffness and −∇ is the physical force.
const attractLoss = (X) => contrastiveLoss(euclideanDistance(gather(X, sA), gather(X, sB)), ySimilar, { margin: MARGIN, reduction: 'sum' });
const repelLoss = (X) => contrastiveLoss(euclideanDistance(gather(X, disA), gather(X, disB)), yDissimilar, { margin: MARGIN, reduction: 'sum' });
const attract = valueAndGrad(attractLoss), repel = valueAndGrad(repelLoss);

/** Positions, both force fields and the printed figures at the current positions. */
function snapshot(step, X) {
  const pos = Float64Array.from(X.toTypedArray());
  const a = attract(X), r = repel(X);
  // Forces are minus the gradients: attraction points along the similar springs, repulsion away from the
  // dissimilar points inside the margin.
  const fa = a.grad.toTypedArray().map((v) => -v), fr = r.grad.toTypedArray().map((v) => -v);
  let net = 0, tension = 0;
  for (let i = 0; i < n; i++) {
    net += Math.hypot(fa[2 * i] + fr[2 * i], fa[2 * i + 1] + fr[2 * i + 1]);
    tension += Math.hypot(fa[2 * i], fa[2 * i + 1]);
  }
  const dist = (i, j) => Math.hypot(pos[2 * i] - pos[2 * j], pos[2 * i + 1] - pos[2 * j + 1]);
  let sumSimilar = 0, inside = 0;
  for (let k = 0; k < sA.length; k++) sumSimilar += dist(sA[k], sB[k]);
  for (let k = 0; k < disA.length; k++) if (dist(disA[k], disB[k]) < MARGIN) inside++;
  return {
    step, pos, fa, fr,
    loss: a.value.item() + r.value.item(),
    meanSimilar: sumSimilar / sA.length,
    insideMargin: inside / disA.length,
    netForce: net,
    tension,
  };
}

const X = new Parameter(new Tensor(Float64Array.from(x0), [n, 2]), 'positions');
const opt = new optim.SGD([X], { lr: LR });
console.log(`DrLIM spring model: ${n} free points in 2-D (${CLUSTERS} clusters of ${PER_CLUSTER}), seed ${seed}`);
console.log(`${sA.length} similar pairs (${K} nearest neighbours, symmetrised), ${disA.length} dissimilar pairs, margin m = ${MARGIN}, SGD lr ${LR}`);
console.log('forces F = −∂L/∂x: attraction ∝ D along similar springs, repulsion ∝ (m − D) inside the margin');

const stages = [];
const last = STAGES[STAGES.length - 1];
for (let step = 0; step <= last; step++) {
  if (STAGES.includes(step)) {
    const s = snapshot(step, X.value);
    stages.push(s);
    console.log(
      `step ${String(step).padStart(3)}  loss ${s.loss.toFixed(4).padStart(9)}  mean similar D ${s.meanSimilar.toFixed(4)}  ` +
        `dissimilar inside margin ${s.insideMargin.toFixed(4)}  total |force| ${s.netForce.toFixed(4).padStart(8)}  ` +
        `(spring tension Σ|attraction| ${s.tension.toFixed(2)})`,
    );
  }
  if (step === last) break;
  opt.zeroGrad();
  add(attractLoss(X), repelLoss(X)).backward();
  opt.step(); // x ← x − lr·∂L/∂x = x + lr·F
}

// ---------------------------------------------------------------------------------------------------------
// Drawing. One square panel per stage, equal scales on both axes (so margin circles are circles), the same data
// window and the same arrow scale for every stage, so positions and force lengths compare across panels.
const ATTRACT = TABLEAU10[0], REPEL = TABLEAU10[2];
const CLUSTER_COLORS = [TABLEAU10[4], TABLEAU10[6], TABLEAU10[8]];
const SPRING = '#8c8c8c';

const lo = [Infinity, Infinity], hi = [-Infinity, -Infinity];
for (const s of stages) {
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < 2; d++) {
      lo[d] = Math.min(lo[d], s.pos[2 * i + d]);
      hi[d] = Math.max(hi[d], s.pos[2 * i + d]);
    }
  }
}
const half = Math.max(hi[0] - lo[0], hi[1] - lo[1]) / 2 + 0.35 * MARGIN;
const cx = (lo[0] + hi[0]) / 2, cy = (lo[1] + hi[1]) / 2;
const domX = [cx - half, cx + half], domY = [cy - half, cy + half];

// Arrow scale: the 75th percentile of all force magnitudes (both kinds, all stages) maps to 0.4·m, so the
// arrows at equilibrium stay readable; the strongest (the crowded start) are capped at 0.9·m.
const mags = [];
for (const s of stages) for (let i = 0; i < n; i++) mags.push(Math.hypot(s.fa[2 * i], s.fa[2 * i + 1]), Math.hypot(s.fr[2 * i], s.fr[2 * i + 1]));
mags.sort((p, q) => p - q);
const forceScale = (0.4 * MARGIN) / Math.max(1e-9, mags[Math.floor(0.75 * (mags.length - 1))]);
const MAX_ARROW = 0.9 * MARGIN;

const PLOT = 340, PANEL_W = PLOT + 75, PANEL_H = PLOT + 100;
const frame = { left: 58, top: 56, right: 58 + PLOT, bottom: 56 + PLOT };
const sx = linearScale(domX[0], domX[1], frame.left, frame.right);
const sy = linearScale(domY[0], domY[1], frame.bottom, frame.top);
const pxPerUnit = PLOT / (2 * half);

/** Arrowhead markers, one per colour (the arrow's stroke colour). */
function defs(prefix) {
  const marker = (id, color) =>
    `<marker id="${prefix}-${id}" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" markerUnits="userSpaceOnUse" orient="auto">` +
    `<path d="M0 0L10 5L0 10z" fill="${color}"/></marker>`;
  return `<defs>${marker('attract', ATTRACT)}${marker('repel', REPEL)}` +
    `<clipPath id="${prefix}-clip"><rect x="${frame.left}" y="${frame.top}" width="${PLOT}" height="${PLOT}"/></clipPath></defs>\n`;
}

/** One stage's panel, its top-left corner at the origin; `prefix` keeps ids unique when panels share a file. */
function panel(s, prefix) {
  const ticks = niceTicks(domX[0], domX[1], 5);
  const yTicks = niceTicks(domY[0], domY[1], 5);
  const parts = [drawAxes({ frame, xTicks: ticks, yTicks, x: sx, y: sy, width: PANEL_W })];
  parts.push(
    `<text x="${num((frame.left + frame.right) / 2)}" y="20" text-anchor="middle" font-size="15" font-weight="bold" fill="#111111">step ${s.step}</text>`,
    `<text x="${num((frame.left + frame.right) / 2)}" y="38" text-anchor="middle" font-size="11.5" fill="#333333">` +
      `${escapeXml(`loss ${s.loss.toFixed(2)} · Σ|net force| ${s.netForce.toFixed(2)} · inside margin ${(100 * s.insideMargin).toFixed(1)}%`)}</text>`,
  );
  const body = [];
  const P = (i) => [sx(s.pos[2 * i]), sy(s.pos[2 * i + 1])];
  // Margin circles: faint for every point, bold and dashed for the highlighted ones.
  const r = MARGIN * pxPerUnit;
  const faint = [];
  for (let i = 0; i < n; i++) {
    const [px, py] = P(i);
    faint.push(`<circle cx="${num(px)}" cy="${num(py)}" r="${num(r)}"/>`);
  }
  body.push(`<g class="margins" fill="none" stroke="#9a9a9a" stroke-opacity="0.22" stroke-width="0.8">${faint.join('')}</g>`);
  const bold = highlighted.map((i) => {
    const [px, py] = P(i);
    return `<circle cx="${num(px)}" cy="${num(py)}" r="${num(r)}" fill="${CLUSTER_COLORS[cluster[i]]}" fill-opacity="0.06"/>`;
  });
  body.push(`<g class="highlight-margins" stroke="#333333" stroke-width="1.3" stroke-dasharray="5 3">${bold.join('')}</g>`);
  // Similar-pair springs.
  const springs = [];
  for (let k = 0; k < sA.length; k++) {
    const [x1, y1] = P(sA[k]), [x2, y2] = P(sB[k]);
    springs.push(`M${num(x1)} ${num(y1)}L${num(x2)} ${num(y2)}`);
  }
  body.push(`<path class="springs" d="${springs.join('')}" stroke="${SPRING}" stroke-width="1" fill="none"/>`);
  // Force arrows, drawn from each point: −∂L_similar/∂x_i (attraction) and −∂L_dissimilar/∂x_i (repulsion).
  const arrows = (f, color, id) => {
    const out = [];
    for (let i = 0; i < n; i++) {
      const mag = Math.hypot(f[2 * i], f[2 * i + 1]);
      const len = Math.min(MAX_ARROW, mag * forceScale) * pxPerUnit; // pixels
      if (len < 2.5) continue; // a (near-)zero force: no arrow
      const [px, py] = P(i);
      const ux = f[2 * i] / mag, uy = -f[2 * i + 1] / mag; // screen y points down
      out.push(`<line x1="${num(px)}" y1="${num(py)}" x2="${num(px + ux * len)}" y2="${num(py + uy * len)}" marker-end="url(#${prefix}-${id})"/>`);
    }
    return `<g class="${id}" stroke="${color}" stroke-width="2" stroke-linecap="round">${out.join('')}</g>`;
  };
  body.push(arrows(s.fr, REPEL, 'repel'), arrows(s.fa, ATTRACT, 'attract'));
  // The points, on top.
  const dots = [];
  for (let i = 0; i < n; i++) {
    const [px, py] = P(i);
    const hl = highlighted.includes(i);
    dots.push(`<circle cx="${num(px)}" cy="${num(py)}" r="${hl ? 5.5 : 4}" fill="${CLUSTER_COLORS[cluster[i]]}" stroke="#111111" stroke-width="${hl ? 2 : 0.8}"/>`);
  }
  body.push(`<g class="points">${dots.join('')}</g>`);
  parts.push(`<g clip-path="url(#${prefix}-clip)">\n${body.join('\n')}\n</g>`);
  return parts.join('\n');
}

/** The legend band: colours, springs, margin circles and the arrow scale. */
function legend(x, y, width) {
  const col1 = drawLegend([
    { label: 'attraction: −∂L_similar/∂x (∝ D, pulls along springs)', color: ATTRACT, line: { width: 2.5 } },
    { label: 'repulsion: −∂L_dissimilar/∂x (∝ m − D while D < m)', color: REPEL, line: { width: 2.5 } },
    { label: `similar pair (${K}-NN spring, attract-only)`, color: SPRING, line: { width: 1 } },
  ], x, y);
  const x2 = x + Math.min(width / 2, 390);
  const col2 = drawLegend(CLUSTER_COLORS.map((c, k) => ({ label: `cluster ${k + 1} (starting layout)`, color: c })), x2 + 225, y);
  const circle =
    `<g class="legend-entry"><circle cx="${num(x2 + 7)}" cy="${num(y + 6)}" r="6" fill="none" stroke="#333333" stroke-width="1.3" stroke-dasharray="3 2"/>` +
    `<text x="${num(x2 + 18)}" y="${num(y + 10.5)}" fill="#333333">margin circle, radius m = ${MARGIN}</text></g>` +
    `<g class="legend-entry"><circle cx="${num(x2 + 7)}" cy="${num(y + 24)}" r="5" fill="#ffffff" stroke="#111111" stroke-width="2"/>` +
    `<text x="${num(x2 + 18)}" y="${num(y + 28.5)}" fill="#333333">highlighted point (bold circle)</text></g>` +
    `<g class="legend-entry"><path d="M${num(x2)} ${num(y + 42)}h${num(0.5 * MARGIN * pxPerUnit)}" stroke="#333333" stroke-width="2" marker-end="url(#legend-arrow)"/>` +
    `<text x="${num(x2 + 0.5 * MARGIN * pxPerUnit + 8)}" y="${num(y + 46.5)}" fill="#333333">arrow for a force of ${(0.5 * MARGIN / forceScale).toFixed(2)}</text></g>`;
  const marker =
    `<defs><marker id="legend-arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" markerUnits="userSpaceOnUse" orient="auto">` +
    `<path d="M0 0L10 5L0 10z" fill="#333333"/></marker></defs>`;
  return marker + col1 + col2 + `<g class="legend">${circle}</g>\n`;
}

const LEGEND_H = 70;
const caption = (y) =>
  `<text x="12" y="${y}" font-size="11" fill="#555555">${escapeXml(
    `Arrows share one scale across stages (capped at 0.9·m). Points are the parameters; forces are −∂L/∂x from autograd. Seed ${seed}, lr ${LR}.`,
  )}</text>\n`;

mkdirSync(outDir, { recursive: true });
const files = [];
for (const s of stages) {
  const w = Math.max(PANEL_W, 800), h = PANEL_H + LEGEND_H + 20;
  const dx = (w - PANEL_W) / 2;
  const svg =
    svgOpen(w, h) + defs(`s${s.step}`) +
    `<g transform="translate(${num(dx)} 0)">\n${panel(s, `s${s.step}`)}\n</g>\n` +
    legend(12, PANEL_H, w) + caption(h - 8) + '</svg>\n';
  const file = join(outDir, `stage-${s.step}.svg`);
  writeFileSync(file, svg);
  files.push(file);
}
{
  const w = PANEL_W * stages.length + 20, top = 34, h = top + PANEL_H + LEGEND_H + 20;
  let svg = svgOpen(w, h) +
    `<text x="${num(w / 2)}" y="22" text-anchor="middle" font-size="17" font-weight="bold" fill="#111111">` +
    `${escapeXml('DrLIM spring model: free points relaxing under the contrastive loss')}</text>\n`;
  stages.forEach((s, k) => {
    svg += defs(`p${s.step}`) + `<g transform="translate(${num(10 + k * PANEL_W)} ${top})">\n${panel(s, `p${s.step}`)}\n</g>\n`;
  });
  svg += legend(20, top + PANEL_H, w) + caption(h - 8) + '</svg>\n';
  const file = join(outDir, 'spring.svg');
  writeFileSync(file, svg);
  files.push(file);
}
console.log(`wrote ${files.map((f) => f).join(', ')}`);
