/* The study figures' chart, drawn from the JSON the page carries in <script id="study-figures-data">
   (Django's json_script: data, never code, so the Content-Security-Policy needs no inline script):
   per phase, the sessions held and the members with their credits complete of all members. */
"use strict";

(function () {
  const source = document.getElementById("study-figures-data");
  const box = document.getElementById("study-chart");
  if (!source || !box || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const chart = echarts.init(box, null, { renderer: "canvas" });
  chart.setOption({
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.phases },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: data.labels.sessions, type: "bar", data: data.sessions, itemStyle: { color: "#b71c1c" } },
      { name: data.labels.members, type: "bar", data: data.members, itemStyle: { color: "#bdbdbd" } },
      { name: data.labels.complete, type: "bar", data: data.complete, itemStyle: { color: "#1b5e20" } },
    ],
  });
  window.addEventListener("resize", () => chart.resize());
})();
