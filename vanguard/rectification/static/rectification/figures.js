/* The rectification figures' charts, drawn from the JSON the page carries in <script id="rectification-figures-data">
   (Django's json_script: data, never code, so the Content-Security-Policy needs no inline script).
   Items: stacked bars of category × status; cases: bars by stage (only when the page shows cases);
   remedies: bars by cause. */
"use strict";

(function () {
  const source = document.getElementById("rectification-figures-data");
  if (!source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const charts = [];

  function draw(id, option) {
    const box = document.getElementById(id);
    if (!box) return;
    const chart = echarts.init(box, null, { renderer: "canvas" });
    chart.setOption(option);
    charts.push(chart);
  }

  const grid = { left: 8, right: 16, top: 32, bottom: 8, containLabel: true };
  draw("rectification-items-chart", {
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    grid: grid,
    xAxis: { type: "category", data: data.categories },
    yAxis: { type: "value", minInterval: 1 },
    series: data.statuses.map((name, i) => ({ name: name, type: "bar", stack: "items", data: data.matrix[i] })),
  });
  if (data.stages) {
    draw("rectification-cases-chart", {
      tooltip: { trigger: "axis", renderMode: "richText" },
      grid: grid,
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.stages },
      series: [{ name: data.cases_label, type: "bar", data: data.cases, itemStyle: { color: "#b71c1c" } }],
    });
  }
  draw("rectification-remedies-chart", {
    tooltip: { trigger: "axis", renderMode: "richText" },
    grid: grid,
    xAxis: { type: "category", data: data.causes },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: data.remedies_label, type: "bar", data: data.remedies, itemStyle: { color: "#457b9d" } }],
  });
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
})();
