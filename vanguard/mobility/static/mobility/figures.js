/* The mobility figures' charts, drawn from the JSON the page carries in <script id="mobility-figures-data">
   (Django's json_script: data, never code, so the Content-Security-Policy needs no inline script).
   Service bodies by role; members away by unit, outflow beside inflow. */
"use strict";

(function () {
  const source = document.getElementById("mobility-figures-data");
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
  draw("mobility-points-chart", {
    tooltip: { trigger: "axis", renderMode: "richText" },
    grid: grid,
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: data.roles },
    series: [{ name: data.labels.points, type: "bar", data: data.points, itemStyle: { color: "#b71c1c" } }],
  });
  draw("mobility-units-chart", {
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    grid: grid,
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: data.units },
    series: [
      { name: data.labels.out, type: "bar", data: data.out, itemStyle: { color: "#b71c1c" } },
      { name: data.labels.in, type: "bar", data: data.in, itemStyle: { color: "#457b9d" } },
    ],
  });
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
})();
