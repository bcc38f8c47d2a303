// Draws the dashboard charts from data-* attributes (no inline script: CSP).
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    new Chart(canvas, {
      type: canvas.dataset.chart,
      data: { labels: JSON.parse(canvas.dataset.labels),
              datasets: [{ label: canvas.dataset.label, data: JSON.parse(canvas.dataset.values),
                           backgroundColor: "rgba(127, 29, 29, 0.6)", borderColor: "#7f1d1d", tension: 0.2 }] },
      options: { animation: false, plugins: { legend: { display: false } },
                 indexAxis: canvas.dataset.chart === "bar" ? "y" : "x",
                 scales: { y: { beginAtZero: true } } }
    });
  });
})();
