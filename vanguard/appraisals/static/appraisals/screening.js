/* The screening results chart, drawn from the JSON the page carries in <script id="screening-data">
   (Django's json_script: data, never code, so the Content-Security-Policy needs no inline script).
   The lowest composite scores from the bottom up; flagged organisations in red. */
"use strict";

(function () {
  const source = document.getElementById("screening-data");
  const box = document.getElementById("screening-chart");
  if (!source || !box || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const chart = echarts.init(box, null, { renderer: "canvas" });
  chart.setOption({
    tooltip: { trigger: "axis", renderMode: "richText" },
    grid: { left: 8, right: 16, top: 16, bottom: 32, containLabel: true },
    xAxis: { type: "value", min: 0, max: 100, name: data.label, nameLocation: "middle", nameGap: 28 },
    yAxis: {
      type: "category",
      inverse: true,
      data: data.names.map((name, i) => data.ranks[i] + ". " + name),
    },
    series: [
      {
        name: data.label,
        type: "bar",
        data: data.composites.map((value, i) => ({
          value: value,
          itemStyle: { color: data.flagged[i] ? "#b71c1c" : "#457b9d" },
        })),
      },
    ],
  });
  window.addEventListener("resize", () => chart.resize());
})();
