/* Charts of the unit page and «Alt henger sammen», drawn by Chart.js.
 *
 * Each <canvas data-chart="ID"> reads its data from the JSON island <script id="ID"
 * type="application/json"> that Django's json_script wrote; every chart has a table
 * of the same figures next to it, so the canvas is an addition, never the only source.
 */
(function () {
  "use strict";
  if (typeof Chart === "undefined") {
    return;
  }
  const locale = document.documentElement.lang || "nb";
  const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  const VALUE_COLOUR = "#0b3a66";
  const TARGET_COLOUR = "#b02a37";
  // Counts carry no unit after the number (measures/formatting.py does the same).
  const COUNT_UNITS = ["personer"];

  Chart.defaults.animation = false;
  Chart.defaults.color = "#212529";
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;

  function withUnit(value, unit) {
    if (value === null || value === undefined) {
      return "–";
    }
    const text = number.format(value);
    return !unit || COUNT_UNITS.includes(unit) ? text : text + "\u00a0" + unit;
  }

  const MARK_COLOURS = { start: "#146c43", end: "#495057" };

  // The unit's actions on a trend chart: a vertical line where each starts (solid) and
  // where it is due (dashed), with a short label; the figures table lists them in full.
  const actionMarks = {
    id: "actionMarks",
    afterDatasetsDraw(chart, _args, options) {
      const marks = options.marks || [];
      if (!marks.length) {
        return;
      }
      const { ctx, chartArea, scales } = chart;
      ctx.save();
      ctx.font = "12px " + Chart.defaults.font.family;
      ctx.textBaseline = "top";
      marks.forEach((mark, n) => {
        const x = scales.x.getPixelForValue(mark.index);
        const colour = MARK_COLOURS[mark.kind] || MARK_COLOURS.end;
        ctx.strokeStyle = colour;
        ctx.fillStyle = colour;
        ctx.lineWidth = 2;
        ctx.setLineDash(mark.kind === "start" ? [] : [4, 3]);
        ctx.beginPath();
        ctx.moveTo(x, chartArea.top);
        ctx.lineTo(x, chartArea.bottom);
        ctx.stroke();
        const label = mark.label.length > 32 ? mark.label.slice(0, 31) + "…" : mark.label;
        const width = ctx.measureText(label).width;
        // Labels stack downwards so that marks close together stay readable.
        const y = chartArea.top + 4 + (n % 4) * 15;
        const left = x + 4 + width > chartArea.right ? x - 4 - width : x + 4;
        ctx.fillStyle = "rgba(255, 255, 255, 0.85)";
        ctx.fillRect(left - 2, y - 1, width + 4, 14);
        ctx.fillStyle = colour;
        ctx.fillText(label, left, y);
      });
      ctx.restore();
    },
  };

  function trend(canvas, data) {
    const datasets = [
      {
        label: data.valueLabel,
        data: data.values,
        borderColor: VALUE_COLOUR,
        backgroundColor: VALUE_COLOUR,
        pointRadius: 3,
        spanGaps: false,
      },
    ];
    if (data.targets.some((value) => value !== null)) {
      datasets.push({
        label: data.targetLabel,
        data: data.targets,
        borderColor: TARGET_COLOUR,
        backgroundColor: TARGET_COLOUR,
        borderDash: [6, 4],
        pointRadius: 0,
        stepped: "middle",
      });
    }
    return new Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      plugins: [actionMarks],
      options: {
        locale: locale,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          y: {
            title: { display: Boolean(data.unit), text: data.unit },
            ticks: { callback: (value) => number.format(value) },
          },
        },
        plugins: {
          actionMarks: { marks: data.marks || [] },
          tooltip: {
            callbacks: {
              label: (ctx) => ctx.dataset.label + ": " + withUnit(ctx.parsed.y, data.unit),
            },
          },
        },
      },
    });
  }

  function scatter(canvas, data) {
    const most = Math.max(1, ...data.points.map((point) => point.headcount));
    const points = data.points.map((point) => ({
      x: point.x,
      y: point.y,
      // Area, not radius, grows with the headcount.
      r: 3 + 15 * Math.sqrt(point.headcount / most),
      label: point.label,
      headcount: point.headcount,
    }));
    return new Chart(canvas, {
      type: "bubble",
      data: {
        datasets: [
          {
            label: data.yLabel,
            data: points,
            borderColor: VALUE_COLOUR,
            backgroundColor: "rgba(11, 58, 102, 0.35)",
            // Units at 0 % or 100 % full time sit on the axes: draw them whole.
            clip: false,
          },
        ],
      },
      options: {
        locale: locale,
        maintainAspectRatio: false,
        layout: { padding: 20 },
        scales: {
          x: { title: { display: true, text: data.xLabel } },
          y: { title: { display: true, text: data.yLabel } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (ctx) => {
                const p = ctx.raw;
                return [
                  p.label,
                  data.xLabel + ": " + number.format(p.x),
                  data.yLabel + ": " + number.format(p.y),
                  data.headcountLabel + ": " + number.format(p.headcount),
                ];
              },
            },
          },
        },
      },
    });
  }

  // The tertial report: each unit's value as a bar, the target as a dashed line.
  function bars(canvas, data) {
    const datasets = [
      {
        type: "bar",
        label: data.valueLabel,
        data: data.values,
        backgroundColor: VALUE_COLOUR,
      },
    ];
    if (data.target !== null) {
      datasets.push({
        type: "line",
        label: data.targetLabel,
        data: data.labels.map(() => data.target),
        borderColor: TARGET_COLOUR,
        borderDash: [6, 4],
        pointRadius: 0,
      });
    }
    return new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        locale: locale,
        maintainAspectRatio: false,
        scales: {
          y: {
            beginAtZero: true,
            title: { display: Boolean(data.unit), text: data.unit },
            ticks: { callback: (value) => number.format(value) },
          },
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: (ctx) => ctx.dataset.label + ": " + withUnit(ctx.parsed.y, data.unit),
            },
          },
        },
      },
    });
  }

  const KINDS = { trend: trend, scatter: scatter, bars: bars };
  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const island = document.getElementById(canvas.dataset.chart);
    if (!island) {
      return;
    }
    const data = JSON.parse(island.textContent);
    const draw = KINDS[data.kind];
    if (draw) {
      draw(canvas, data);
    }
  });
})();
