/* The results page's chart: satisfaction rate per question and constituency, with the 95% interval as an error bar
   and the threshold as a line; drawn from <script id="ballot-results-data"> (data, never code: no inline script). */
"use strict";

(function () {
  const source = document.getElementById("ballot-results-data");
  const box = document.getElementById("ballot-rates");
  if (!source || !box || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const labels = data.bars.map((b) => b.constituency + " · " + b.question);
  // One row per bar: the chart grows with the questions and constituencies (CSSOM, allowed by the CSP).
  box.style.height = Math.max(160, 40 * data.bars.length + 60) + "px";
  const chart = echarts.init(box, null, { renderer: "canvas" });
  chart.setOption({
    // Drawn at once: a page printed or captured right after loading shows the bars whole, not mid-animation.
    animation: false,
    grid: { left: 8, right: 24, top: 16, bottom: 16, containLabel: true },
    tooltip: {
      renderMode: "richText",
      formatter: (p) => {
        const b = data.bars[p.dataIndex];
        return `${labels[p.dataIndex]}\n${b.pct.toFixed(1)}% (${b.low.toFixed(1)}–${b.high.toFixed(1)}%)`;
      },
    },
    xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", data: labels, inverse: true },
    series: [
      {
        type: "bar",
        data: data.bars.map((b) => b.pct),
        itemStyle: { color: "#b71c1c" },
        markLine: { symbol: "none", data: [{ xAxis: data.threshold }], lineStyle: { color: "#333", type: "dashed" } },
      },
      {
        type: "custom",
        data: data.bars.map((b, i) => [i, b.low, b.high]),
        renderItem: (params, api) => {
          const y = api.coord([0, api.value(0)])[1];
          const low = api.coord([api.value(1), api.value(0)])[0];
          const high = api.coord([api.value(2), api.value(0)])[0];
          return {
            type: "group",
            children: [
              { type: "line", shape: { x1: low, y1: y, x2: high, y2: y }, style: { stroke: "#333", lineWidth: 1.5 } },
              { type: "line", shape: { x1: low, y1: y - 5, x2: low, y2: y + 5 }, style: { stroke: "#333" } },
              { type: "line", shape: { x1: high, y1: y - 5, x2: high, y2: y + 5 }, style: { stroke: "#333" } },
            ],
          };
        },
        encode: { x: [1, 2], y: 0 },
        z: 10,
      },
    ],
  });
  window.addEventListener("resize", () => chart.resize());
})();
