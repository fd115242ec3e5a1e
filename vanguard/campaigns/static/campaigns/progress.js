/* The progress dashboard's charts, drawn from the JSON the page carries in <script id="progress-data">
   (Django's json_script: data, never code, so the Content-Security-Policy needs no inline script).
   Tooltips are rich text, not HTML: HTML tooltips would carry style attributes the policy refuses. */
"use strict";

(function () {
  const source = document.getElementById("progress-data");
  if (!source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const charts = [];
  const PALETTE = ["#b71c1c", "#e57373", "#f4a261", "#2a9d8f", "#457b9d", "#6d597a"];

  const timelineBox = document.getElementById("progress-timeline");
  if (timelineBox && data.windows.length) {
    const chart = echarts.init(timelineBox, null, { renderer: "canvas" });
    const day = 24 * 3600 * 1000;
    const items = data.windows.map((w) => ({
      name: w.label,
      value: [w.batch, Date.parse(w.start), Date.parse(w.end), w.phase],
    }));
    chart.setOption({
      tooltip: { renderMode: "richText", formatter: (p) => p.name },
      grid: { left: 8, right: 16, top: 24, bottom: 24, containLabel: true },
      xAxis: { type: "time", minInterval: day },
      yAxis: { type: "category", data: data.batches, inverse: true },
      series: [
        {
          type: "custom",
          encode: { x: [1, 2], y: 0 },
          data: items,
          renderItem: (params, api) => {
            const batch = api.value(0);
            const start = api.coord([api.value(1), batch]);
            const end = api.coord([api.value(2), batch]);
            const height = api.size([0, 1])[1] * 0.6;
            const shape = echarts.graphic.clipRectByRect(
              { x: start[0], y: start[1] - height / 2, width: Math.max(1, end[0] - start[0]), height: height },
              { x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height }
            );
            return shape && {
              type: "rect",
              shape: shape,
              style: { fill: PALETTE[api.value(3) % PALETTE.length], opacity: 0.85 },
            };
          },
          markLine: {
            symbol: "none",
            silent: true,
            label: { formatter: data.todayLabel },
            lineStyle: { color: "#b71c1c", type: "solid" },
            data: [{ xAxis: Date.parse(data.today) }],
          },
        },
      ],
    });
    charts.push(chart);
  }

  const phasesBox = document.getElementById("progress-phases");
  if (phasesBox) {
    const chart = echarts.init(phasesBox, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.children, inverse: true },
      series: data.series.map((s) => ({ name: s.name, type: "bar", stack: "units", data: s.data })),
    });
    charts.push(chart);
  }

  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
})();
