// SVG bar charts of the benchmark results (pure: results in, SVG text out), drawn by
// bench/charts.mjs beside the markdown tables so that modes can be compared by looking.
// Horizontal bars, one row each, grouped under a heading per cube; no dependency.

const ROW = 22;
const BAR = 14;
const LABEL_WIDTH = 260;
const PLOT_WIDTH = 420;
const RIGHT = 270;
const FONT = "font-family:sans-serif;font-size:12px";

const escape = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const shapeText = (shape) => shape.join("x");

/**
 * groups: [{ title, rows: [{ label, bars: [{ value, colour, text }] }] }], values in `unit`;
 * each row's bars are drawn one under the other within the row.
 */
export function barChart({ title, unit, groups, legend }) {
  const max = Math.max(1e-9, ...groups.flatMap((g) => g.rows.flatMap((r) => r.bars.map((b) => b.value))));
  const scale = PLOT_WIDTH / max;
  const parts = [];
  let y = 52;
  for (const group of groups) {
    parts.push(`<text x="8" y="${y + 14}" style="${FONT};font-weight:bold">${escape(group.title)}</text>`);
    y += ROW;
    for (const row of group.rows) {
      const height = Math.max(ROW, row.bars.length * (BAR + 2) + 6);
      parts.push(`<text x="${LABEL_WIDTH - 8}" y="${y + height / 2 + 4}" text-anchor="end" style="${FONT}">${escape(row.label)}</text>`);
      row.bars.forEach((bar, i) => {
        const top = y + 3 + i * (BAR + 2);
        const width = Math.max(1, bar.value * scale);
        parts.push(`<rect class="bar" x="${LABEL_WIDTH}" y="${top}" width="${width.toFixed(1)}" height="${BAR}" fill="${bar.colour}"><title>${escape(`${row.label}: ${bar.text}`)}</title></rect>`);
        parts.push(`<text x="${(LABEL_WIDTH + width + 4).toFixed(1)}" y="${top + BAR - 3}" style="${FONT}">${escape(bar.text)}</text>`);
      });
      y += height;
    }
    y += 8;
  }
  const legendParts = legend.map((item, i) => {
    const x = 8 + i * 160;
    return `<rect x="${x}" y="${y + 4}" width="12" height="12" fill="${item.colour}"/><text x="${x + 16}" y="${y + 14}" style="${FONT}">${escape(item.text)}</text>`;
  });
  const height = y + 30;
  const width = LABEL_WIDTH + PLOT_WIDTH + RIGHT;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="22" style="${FONT};font-size:14px;font-weight:bold">${escape(title)}</text>`,
    `<text x="8" y="40" style="${FONT};fill:#555">${escape(unit)}</text>`,
    ...parts,
    ...legendParts,
    `</svg>`,
    "",
  ].join("\n");
}

/** The results grouped by cube shape ("1024x1024x256"), in the order first met. */
function byShape(results) {
  const groups = new Map();
  for (const r of results) {
    const key = shapeText(r.shape);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  return groups;
}

const COLOURS = { floor: "#888888", fast: "#d95f02", slow: "#1b9e77", auto: "#7570b3", predicted: "#bbbbbb", measured: "#1f78b4" };

/** bench/results/speed.json → wall time per mode and thread count, next to the I/O floor. */
export function speedChart(speed) {
  const groups = [...byShape(speed.results)].map(([shape, results]) => ({
    title: `${shape} cube`,
    rows: results.map((r) => {
      if (r.mode === "floor") return { label: "I/O floor (read + write)", bars: [{ value: r.seconds, colour: COLOURS.floor, text: `${r.seconds.toFixed(2)} s` }] };
      const mode = r.mode === "auto" ? `auto (chose ${r.chosen})` : r.mode;
      const ratio = r.ratioToFloor === undefined ? "" : `, ${r.ratioToFloor.toFixed(2)}× floor`;
      return {
        label: `${mode}, ${r.threads} thread${r.threads === 1 ? "" : "s"}`,
        bars: [{ value: r.wallSeconds, colour: COLOURS[r.mode] ?? COLOURS.auto, text: `${r.wallSeconds.toFixed(2)} s${ratio}` }],
      };
    }),
  }));
  return barChart({
    title: `Whole conversions against the I/O floor (${speed.machine})`,
    unit: "wall seconds (shorter is better)",
    groups,
    legend: [
      { colour: COLOURS.floor, text: "I/O floor" },
      { colour: COLOURS.fast, text: "fast mode" },
      { colour: COLOURS.slow, text: "slow mode" },
      { colour: COLOURS.auto, text: "automatic mode" },
    ],
  });
}

/** bench/results/memory.json → peak RSS against the memory model's prediction, per shape and mode. */
export function memoryChart(memory) {
  const gb = (bytes) => bytes / 1e9;
  const groups = [...byShape(memory.results)].map(([shape, results]) => ({
    title: shape,
    rows: results.map((r) => ({
      label: `${r.mode}${r.threads === undefined ? "" : `, ${r.threads} thread${r.threads === 1 ? "" : "s"}`}`,
      bars: [
        { value: gb(r.predicted), colour: COLOURS.predicted, text: `predicted ${gb(r.predicted).toFixed(3)} GB` },
        { value: gb(r.measured), colour: COLOURS.measured, text: `measured ${gb(r.measured).toFixed(3)} GB (${(100 * (r.predicted - r.measured) / r.measured).toFixed(1)} % margin)` },
      ],
    })),
  }));
  return barChart({
    title: `Peak memory against the prediction (${memory.machine})`,
    unit: "GB (1e9 bytes)",
    groups,
    legend: [
      { colour: COLOURS.predicted, text: "predicted (-m)" },
      { colour: COLOURS.measured, text: "measured peak RSS" },
    ],
  });
}
