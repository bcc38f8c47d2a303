// Draws the dashboard charts from data-* attributes (no inline script: CSP).
// Bar charts label every bar (no tick skipped); the volume line shows month-day labels.
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var bar = canvas.dataset.chart === "bar";
    var labels = JSON.parse(canvas.dataset.labels);
    if (!bar) { labels = labels.map(function (day) { return day.slice(5); }); }
    var categoryTicks = bar ? { autoSkip: false, font: { size: 12 } }
                            : { autoSkip: true, maxRotation: 0, font: { size: 11 } };
    var valueTicks = { precision: 0 };
    var chart = new Chart(canvas, {
      type: canvas.dataset.chart,
      data: { labels: labels,
              datasets: [{ label: canvas.dataset.label, data: JSON.parse(canvas.dataset.values),
                           backgroundColor: "rgba(127, 29, 29, 0.6)", borderColor: "#7f1d1d", tension: 0.2 }] },
      options: { animation: false, plugins: { legend: { display: false } },
                 indexAxis: bar ? "y" : "x",
                 scales: bar ? { y: { ticks: categoryTicks }, x: { beginAtZero: true, ticks: valueTicks } }
                             : { x: { ticks: categoryTicks }, y: { beginAtZero: true, ticks: valueTicks } } }
    });
    canvas.chart = chart;
  });
})();
