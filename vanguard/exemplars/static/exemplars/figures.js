/* The figures' charts, drawn from the JSON the page carries in <script id="exemplars-figures-data">
   (Django's json_script: data, never code, so the Content-Security-Policy needs no inline script).
   Training: classes and places trained by kind; talks: bars by audience. */
"use strict";

(function () {
  const source = document.getElementById("exemplars-figures-data");
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
  draw("exemplars-training-chart", {
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    grid: grid,
    xAxis: { type: "category", data: data.kinds },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: data.labels.classes, type: "bar", data: data.classes, itemStyle: { color: "#b71c1c" } },
      { name: data.labels.trained, type: "bar", data: data.trained, itemStyle: { color: "#457b9d" } },
    ],
  });
  draw("exemplars-talks-chart", {
    tooltip: { trigger: "axis", renderMode: "richText" },
    grid: grid,
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: data.audiences },
    series: [{ name: data.labels.talks, type: "bar", data: data.talks, itemStyle: { color: "#b71c1c" } }],
  });
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
})();
