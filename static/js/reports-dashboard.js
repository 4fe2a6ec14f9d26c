// Draws the dashboard's charts from the figures the page embeds (#report-data). A
// figure hidden for privacy arrives as null and is left out of the chart, as in the
// tables where it shows as "*".
(function () {
  "use strict";
  var source = document.getElementById("report-data");
  if (!source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var names = data.measure_labels;
  var palette = ["#1d6f42", "#d9822b", "#2b6cb0", "#8a4baf", "#b83280", "#4a5568"];
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  function datasets(series, extra) {
    return Object.keys(series).map(function (key, i) {
      return Object.assign(
        { label: names[key] || key, data: series[key], backgroundColor: palette[i % palette.length],
          borderColor: palette[i % palette.length] },
        extra || {}
      );
    });
  }

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    new Chart(canvas, config);
  }

  draw("chart-units", {
    type: "bar",
    data: { labels: data.by_unit.labels, datasets: datasets(data.by_unit.series) },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  draw("chart-periods", {
    type: "line",
    data: { labels: data.by_period.labels, datasets: datasets(data.by_period.series, { fill: false, tension: 0.2 }) },
    options: { spanGaps: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  var breakdown = data.breakdown;
  draw("chart-breakdown", {
    type: "bar",
    data: {
      labels: breakdown.labels,
      datasets: breakdown.columns.map(function (column, i) {
        return { label: column, backgroundColor: palette[i % palette.length],
                 data: breakdown.values.map(function (row) { return row[i]; }) };
      }),
    },
    options: { indexAxis: "y", scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } } },
  });
  document.documentElement.dataset.chartsDrawn = "yes";
})();
