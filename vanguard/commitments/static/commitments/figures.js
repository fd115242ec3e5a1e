/* The commitment figures' chart: verdicts of the branch and of the public side by side, drawn from the JSON the
   page carries in <script id="commitments-figures-data"> (data, never code: no inline script under the CSP). */
"use strict";

(function () {
  const source = document.getElementById("commitments-figures-data");
  const box = document.getElementById("commitments-chart");
  if (!source || !box || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const chart = echarts.init(box, null, { renderer: "canvas" });
  chart.setOption({
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.labels },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: data.series[0], type: "bar", data: data.branch },
      { name: data.series[1], type: "bar", data: data.public },
    ],
  });
  window.addEventListener("resize", () => chart.resize());
})();
