// Inline SVG charts: horizontal bars (labels, sentiment) and a line chart over time (trend).

import { count, dateTime } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(name, attributes = {}, children = []) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  for (const child of children) node.append(child);
  return node;
}

function text(x, y, content, attributes = {}) {
  const node = svg("text", { x, y, ...attributes });
  node.textContent = content;
  return node;
}

function titled(node, title) {
  const tip = svg("title");
  tip.textContent = title;
  node.prepend(tip);
  return node;
}

function truncate(label, max) {
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}

/** A gridline step of 1, 2 or 5 times a power of ten (at least 1: counts are whole). */
function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(raw));
  return Math.max(1, [1, 2, 5, 10].find((m) => m * power >= raw) * power);
}

/**
 * Horizontal bars, one per row: {label, value, percentage, color}.
 * Bars are scaled to the largest value; the text says count and share.
 */
export function barChart(rows, { title }) {
  const width = 480;
  const rowHeight = 30;
  const labelWidth = 120;
  const valueWidth = 96;
  const barWidth = width - labelWidth - valueWidth;
  const height = rows.length * rowHeight;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const summary = rows.map((r) => `${r.label}: ${count(r.value)} (${r.percentage.toFixed(1)}%)`).join(", ");
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, class: "bars", role: "img", "aria-label": `${title}: ${summary}`,
  });
  rows.forEach((row, index) => {
    const y = index * rowHeight;
    const length = Math.max(row.value > 0 ? 2 : 0, (row.value / max) * barWidth);
    const group = svg("g", { "data-testid": "bar", "data-label": row.label }, [
      text(0, y + 19, truncate(row.label, 16), { class: "bar-label" }),
      svg("rect", { x: labelWidth, y: y + 6, width: barWidth, height: 18, rx: 4, class: "bar-track" }),
      svg("rect", { x: labelWidth, y: y + 6, width: length, height: 18, rx: 4, fill: row.color }),
      text(width, y + 19, `${count(row.value)} · ${row.percentage.toFixed(1)}%`, {
        class: "bar-value", "text-anchor": "end",
      }),
    ]);
    chart.append(titled(group, `${row.label}: ${count(row.value)} (${row.percentage.toFixed(1)}%)`));
  });
  return chart;
}

/**
 * Lines over time. points: [{bucketStart, <series keys>...}], series: [{key, label, color}].
 * Every bucket has a hover target whose tooltip lists its numbers.
 */
export function lineChart(points, series, { title }) {
  const width = 720;
  const height = 240;
  const margin = { top: 12, right: 12, bottom: 34, left: 44 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const peak = Math.max(1, ...points.flatMap((p) => series.map((s) => p[s.key])));
  const step = niceStep(peak / 4);
  const max = step * Math.ceil(peak / step);
  const slot = plotWidth / points.length;
  const xOf = (i) => margin.left + (i + 0.5) * slot;
  const yOf = (v) => margin.top + plotHeight - (v / max) * plotHeight;
  const totals = series.map((s) => `${s.label} ${count(points.reduce((sum, p) => sum + p[s.key], 0))}`);
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, class: "lines", role: "img",
    "aria-label": `${title}, ${dateTime(points[0].bucketStart)} to ${dateTime(points[points.length - 1].bucketStart)}: ${totals.join(", ")}`,
  });

  for (let value = 0; value <= max; value += step) {
    const y = yOf(value);
    chart.append(svg("line", { x1: margin.left, x2: width - margin.right, y1: y, y2: y, class: "grid" }));
    chart.append(text(margin.left - 8, y + 4, count(value), { class: "axis", "text-anchor": "end" }));
  }

  const every = Math.max(1, Math.ceil(points.length / 8));
  let lastDay = "";
  points.forEach((point, i) => {
    if (i % every !== 0) return;
    const at = new Date(point.bucketStart);
    const day = at.toLocaleDateString(undefined, { month: "short", day: "numeric" });
    const hour = at.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
    chart.append(text(xOf(i), height - 18, hour, { class: "axis", "text-anchor": "middle" }));
    if (day !== lastDay) chart.append(text(xOf(i), height - 4, day, { class: "axis day", "text-anchor": "middle" }));
    lastDay = day;
  });

  for (const s of series) {
    const coordinates = points.map((p, i) => `${xOf(i).toFixed(1)},${yOf(p[s.key]).toFixed(1)}`);
    chart.append(svg("polyline", { points: coordinates.join(" "), stroke: s.color, class: "line", "data-series": s.key }));
    if (points.length <= 48) {
      points.forEach((p, i) => chart.append(svg("circle", { cx: xOf(i), cy: yOf(p[s.key]), r: 3, fill: s.color })));
    }
  }

  points.forEach((point, i) => {
    const numbers = series.map((s) => `${s.label} ${count(point[s.key])}`).join(", ");
    const target = svg("rect", {
      x: margin.left + i * slot, y: margin.top, width: slot, height: plotHeight, class: "hover",
    });
    chart.append(titled(target, `${dateTime(point.bucketStart)}: ${numbers}`));
  });
  return chart;
}
