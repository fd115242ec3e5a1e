/* Bar charts drawn from a JSON spec the page carries in <script id="bar-charts" type="application/json">
   (Django's json_script: data, never code, so the Content-Security-Policy needs no inline script).
   The spec: [{id, categories, series: [{name, data, color}], horizontal}], one entry per chart box. */
"use strict";

(function () {
  const source = document.getElementById("bar-charts");
  if (!source || typeof echarts === "undefined") return;
  const charts = [];
  const grid = { left: 8, right: 16, top: 32, bottom: 8, containLabel: true };
  for (const spec of JSON.parse(source.textContent)) {
    const box = document.getElementById(spec.id);
    if (!box) continue;
    const categories = { type: "category", data: spec.categories, inverse: Boolean(spec.horizontal) };
    const values = { type: "value", minInterval: 1 };
    const chart = echarts.init(box, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: spec.series.length > 1 ? { top: 0 } : undefined,
      grid: grid,
      xAxis: spec.horizontal ? values : categories,
      yAxis: spec.horizontal ? categories : values,
      series: spec.series.map((s) => ({ name: s.name, type: "bar", data: s.data, itemStyle: { color: s.color } })),
    });
    charts.push(chart);
  }
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
})();
