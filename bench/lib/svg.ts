/**
 * Small SVG chart writers for BENCHMARKS.md: horizontal bars (with an optional target line)
 * and lines over x (one series per consumer). Plain strings, no dependency.
 */
import type { Chart, LineSeries } from "./figures.js";

const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563"];
const FONT = `font-family="system-ui,-apple-system,Segoe UI,sans-serif" font-size="12"`;

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function fmt(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString("en");
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

export function renderChart(chart: Chart): string {
  return chart.kind === "bar" ? bars(chart) : lines(chart);
}

function bars(chart: Extract<Chart, { kind: "bar" }>): string {
  const labelW = 300;
  const plotW = 380;
  const rowH = 24;
  const top = 34;
  const height = top + chart.bars.length * rowH + 30;
  const width = labelW + plotW + 90;
  const max = Math.max(...chart.bars.map((b) => b.value), chart.target ?? 0) * 1.05 || 1;
  const min = chart.log ? Math.min(...chart.bars.map((b) => b.value).filter((v) => v > 0)) / 2 : 0;
  const x = (v: number) =>
    chart.log
      ? ((Math.log(Math.max(v, min)) - Math.log(min)) / (Math.log(max) - Math.log(min))) * plotW
      : (v / max) * plotW;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" ${FONT}>`,
    `<title>${esc(chart.title)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="20" font-weight="bold" font-size="14">${esc(chart.title)}</text>`,
  ];
  chart.bars.forEach((bar, i) => {
    const y = top + i * rowH;
    const w = Math.max(1, x(bar.value));
    out.push(
      `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(bar.label)}</text>`,
      `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${COLORS[i % COLORS.length]}"/>`,
      `<text x="${(labelW + w + 4).toFixed(1)}" y="${y + 15}">${esc(bar.text ?? `${fmt(bar.value)} ${chart.unit}`)}</text>`,
    );
  });
  if (chart.target !== undefined) {
    const tx = labelW + x(chart.target);
    out.push(
      `<line x1="${tx.toFixed(1)}" x2="${tx.toFixed(1)}" y1="${top - 4}" y2="${top + chart.bars.length * rowH}" stroke="#111" stroke-dasharray="4 3"/>`,
      `<text x="${tx.toFixed(1)}" y="${top + chart.bars.length * rowH + 16}" text-anchor="middle">${esc(`target ${fmt(chart.target)}`)}</text>`,
    );
  }
  out.push("</svg>");
  return out.join("\n");
}

function lines(chart: Extract<Chart, { kind: "line" }>): string {
  const left = 70;
  const plotW = 460;
  const plotH = 240;
  const top = 34;
  const legendW = 330;
  const width = left + plotW + 20 + legendW;
  const height = top + plotH + 50;
  const all = chart.series.flatMap((s: LineSeries) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const yMax = chart.log ? Math.max(...ys) * 1.08 || 1 : niceCeil(Math.max(...ys) * 1.02);
  const yMin = chart.log ? Math.min(...ys.filter((v) => v > 0)) / 1.5 : 0;
  const lx = (v: number) => Math.log10(v);
  const px = (v: number) =>
    left + (x1 === x0 ? plotW / 2 : ((lx(v) - lx(x0)) / (lx(x1) - lx(x0))) * plotW);
  const py = (v: number) =>
    top +
    plotH -
    (chart.log
      ? ((lx(Math.max(v, yMin)) - lx(yMin)) / (lx(yMax) - lx(yMin))) * plotH
      : (v / yMax) * plotH);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" ${FONT}>`,
    `<title>${esc(chart.title)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="20" font-weight="bold" font-size="14">${esc(chart.title)}</text>`,
    `<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#999"/>`,
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#999"/>`,
  ];
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(
      `<text x="${px(x).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle">${esc(x.toLocaleString("en"))}</text>`,
    );
  }
  const ticks = chart.log ? logTicks(yMin, yMax) : [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax);
  for (const t of ticks) {
    out.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#eee"/>`,
      `<text x="${left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${esc(fmt(t))}</text>`,
    );
  }
  out.push(
    `<text x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle">${esc(chart.xLabel)}</text>`,
    `<text x="14" y="${top + plotH / 2}" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">${esc(chart.unit)}</text>`,
  );
  chart.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = [...series.points].sort((a, b) => a[0] - b[0]);
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ")}"/>`,
      ...pts.map(
        ([x, y]) =>
          `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`,
      ),
      `<rect x="${left + plotW + 20}" y="${top + i * 20}" width="12" height="12" fill="${color}"/>`,
      `<text x="${left + plotW + 38}" y="${top + i * 20 + 11}">${esc(series.name)}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n");
}

/** The smallest 1, 2, 2.5 or 5 × 10^k at or above `v` (clean axis ticks). */
function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const base = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * base >= v) return step * base;
  return 10 * base;
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    const t = 10 ** e;
    if (t >= min && t <= max) ticks.push(t);
  }
  return ticks.length > 0 ? ticks : [min, max];
}
