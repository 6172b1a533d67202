/* The career record's chart: grade and spine point over time (Chart.js from npm, vendor/chart.js).
   The figures come from the page's JSON data island (the canvas's data-data-id names it), the same
   pay lines as the table below it, oldest first. No inline code (CSP). Without the script the table
   still says everything. */
(function () {
  "use strict";

  function draw() {
    var canvas = document.getElementById("career-chart");
    if (!canvas || typeof window.Chart === "undefined") {
      return;
    }
    var island = document.getElementById(canvas.dataset.dataId);
    if (!island) {
      return;
    }
    var points = JSON.parse(island.textContent).points || [];
    if (!points.length) {
      return;
    }
    var coming = function (ctx) {
      return points[ctx.p1DataIndex] && points[ctx.p1DataIndex].coming ? [6, 4] : undefined;
    };
    // Time along x in proportion (milliseconds since 1970, no date library): a tick on 1 January of each
    // year over a long record, on the 1st of every few months over a short one.
    var MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    var dateTicks = function (scale) {
      var start = new Date(scale.min), end = new Date(scale.max);
      var months = (end.getUTCFullYear() - start.getUTCFullYear()) * 12 + end.getUTCMonth() - start.getUTCMonth();
      var step = months > 36 ? 12 : months > 12 ? 3 : 1;
      var ticks = [];
      var year = start.getUTCFullYear(), month = step === 12 ? 0 : start.getUTCMonth();
      for (var at = Date.UTC(year, month, 1); at <= scale.max; at = Date.UTC(year, month, 1)) {
        if (at >= scale.min) {
          ticks.push({ value: at });
        }
        month += step;
        if (month > 11) { year += Math.floor(month / 12); month = month % 12; }
      }
      scale.ticks = ticks.length ? ticks : [{ value: scale.min }];
    };
    var dateLabel = function (value) {
      var day = new Date(value);
      return day.getUTCMonth() === 0 && day.getUTCDate() === 1 ? String(day.getUTCFullYear())
        : MONTH_NAMES[day.getUTCMonth()] + " " + day.getUTCFullYear();
    };
    var money = new Intl.NumberFormat("en-GB", { style: "currency", currency: "GBP", maximumFractionDigits: 0 });
    var chart = new window.Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          {
            label: "Spine point",
            data: points.map(function (p) { return { x: Date.parse(p.date), y: p.spine_point }; }),
            yAxisID: "point",
            stepped: true,
            borderColor: "#1f3a5f",
            backgroundColor: "#1f3a5f",
            borderWidth: 2,
            pointRadius: 4,
            segment: { borderDash: coming }
          },
          {
            label: "Grade",
            data: points.map(function (p) { return { x: Date.parse(p.date), y: p.grade }; }),
            yAxisID: "grade",
            stepped: true,
            borderColor: "#b45309",
            backgroundColor: "#b45309",
            borderWidth: 2,
            pointRadius: 4,
            pointStyle: "rectRot",
            segment: { borderDash: coming }
          }
        ]
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: 3,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: {
            type: "linear",
            title: { display: false },
            afterBuildTicks: dateTicks,
            ticks: { callback: dateLabel, autoSkip: true, maxRotation: 0 }
          },
          point: {
            type: "linear",
            position: "left",
            title: { display: true, text: "Spine point" },
            ticks: { precision: 0 },
            grace: 1
          },
          grade: {
            type: "linear",
            position: "right",
            title: { display: true, text: "Grade" },
            ticks: { precision: 0, stepSize: 1 },
            grid: { drawOnChartArea: false },
            suggestedMin: 1,
            suggestedMax: 10
          }
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              title: function (items) {
                var p = points[items[0].dataIndex];
                return "From " + p.label + (p.coming ? " (coming)" : "");
              },
              label: function (item) {
                var p = points[item.dataIndex];
                return item.datasetIndex === 0 ? "Spine point " + p.spine_point : p.grade_name;
              },
              afterBody: function (items) {
                var p = points[items[0].dataIndex];
                var lines = [p.reason];
                if (p.annual_salary) {
                  lines.push("Salary then: " + money.format(Number(p.annual_salary)));
                }
                return lines;
              }
            }
          }
        }
      }
    });
    canvas.dataset.drawn = String(chart.data.datasets[0].data.length);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
