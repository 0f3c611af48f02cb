// servebench report.html: draws the page's charts with Chart.js from the chart specs that
// servebench wrote into the page (src/servebench/report/chart_data.h describes them). Every
// number is computed by servebench; this file only maps the specs onto the library.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('servebench-data').textContent);
  const figures = Array.from(document.querySelectorAll('figure.chart'));
  const root = document.documentElement;

  if (typeof Chart === 'undefined') {
    for (const figure of figures) {
      const plot = figure.querySelector('.plot');
      plot.textContent = 'Chart unavailable: servebench was built without its charting ' +
        'library (scripts/setup installs it). The tables hold the numbers.';
      plot.classList.add('unavailable');
    }
    root.dataset.charts = 'unavailable';
    return;
  }

  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b',
                   '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
  const colorOf = (index) => palette[(index || 0) % palette.length];
  Chart.defaults.animation = false;
  Chart.defaults.font.size = 11;
  Chart.defaults.maintainAspectRatio = false;
  // Drawn at twice the pixels at least, so that the canvas stays sharp on paper.
  Chart.defaults.devicePixelRatio = Math.max(2, window.devicePixelRatio || 1);

  const number = (v) => (typeof v === 'number' ? +v.toPrecision(4) : v);
  // The percentile axis holds x = 1 / (1 - q): 2 is p50, 10 p90, 100 p99.
  const percentileName = (x) => 'p' + +(100 * (1 - 1 / x)).toFixed(4);

  function scale(axis, position) {
    const s = { position: position, title: { display: true, text: axis.label } };
    if (axis.scale === 'log') {
      s.type = 'logarithmic';
      // Labels at 1, 2 and 5 times a power of ten only: the others crowd a log axis.
      s.ticks = {
        callback: (v) => {
          const mantissa = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
          return [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6) ? +v.toPrecision(3) : '';
        },
      };
    } else if (axis.scale === 'percentile') {
      s.type = 'logarithmic';
      s.min = 2;
      s.afterBuildTicks = (a) => {
        a.ticks = [2, 10, 100, 1000, 10000]
          .filter((v) => v >= a.min && v <= a.max * 1.0001)
          .map((v) => ({ value: v }));
      };
      s.ticks = { callback: (v) => percentileName(v) };
    } else if (axis.scale === 'category') {
      s.type = 'category';
      s.labels = axis.categories;
    } else {
      s.type = 'linear';
      s.beginAtZero = axis.zero !== false;
    }
    return s;
  }

  const markers = { circle: 'circle', triangle: 'triangle', rect: 'rect', star: 'star' };

  function dataset(series, spec, stackBase) {
    const color = colorOf(series.color);
    const d = {
      label: series.label,
      borderColor: color,
      backgroundColor: color,
      yAxisID: series.axis === 'y2' ? 'y2' : 'y',
      legend: series.legend !== false,
    };
    if (series.kind === 'bar') {
      d.type = 'bar';
      d.backgroundColor = color + 'bb';
      if (series.stack) {
        // A stack is drawn as floating bars from the sum of the bars below it.
        const base = stackBase[series.stack] || series.values.map(() => 0);
        d.data = series.values.map((v, i) => (v == null ? null : [base[i], base[i] + v]));
        stackBase[series.stack] = series.values.map((v, i) => base[i] + (v || 0));
        d.grouped = false;
      } else {
        d.data = series.values;
      }
      return d;
    }
    d.type = spec.type === 'bar' ? 'line' : 'scatter';
    d.data = series.points.map((p) => ({ x: p[0], y: p[1], name: p[2] }));
    d.showLine = series.kind === 'line';
    d.borderDash = series.dash ? [6, 4] : [];
    d.borderWidth = series.kind === 'line' ? 2 : 1;
    d.pointStyle = markers[series.marker] || 'circle';
    d.pointRadius = series.marker === 'none' ? 0 : series.marker === 'star' ? 7 : 4;
    if (series.kind !== 'line') d.backgroundColor = color + '99';
    if (series.hollow && series.hollow.length > 0) {
      // Levels not to take at their word (inconclusive, unstable): drawn as outlines.
      const hollow = new Set(series.hollow);
      d.pointBackgroundColor = series.points.map((p, i) => (hollow.has(i) ? '#ffffff' : color));
      d.pointBorderWidth = series.points.map((p, i) => (hollow.has(i) ? 2 : 1));
    }
    return d;
  }

  // A horizontal line across the chart (the SLO's bound, the accuracy floor).
  function hline(line, spec, datasets) {
    let from, to;
    if (spec.x.scale === 'category') {
      from = spec.x.categories[0];
      to = spec.x.categories[spec.x.categories.length - 1];
    } else {
      const xs = [];
      for (const d of datasets) for (const p of d.data || []) if (p && typeof p.x === 'number') xs.push(p.x);
      from = Math.min(...xs);
      to = Math.max(...xs);
    }
    return {
      type: spec.type === 'bar' ? 'line' : 'scatter',
      label: line.label,
      data: [{ x: from, y: line.y }, { x: to, y: line.y }],
      showLine: true,
      borderColor: '#c00000',
      backgroundColor: '#c00000',
      borderDash: [3, 3],
      borderWidth: 1.5,
      pointRadius: 0,
      yAxisID: 'y',
      legend: true,
    };
  }

  function draw(figure) {
    const spec = data.charts[Number(figure.dataset.chart)];
    const stackBase = {};
    const datasets = spec.series.map((s) => dataset(s, spec, stackBase));
    for (const line of spec.hlines || []) datasets.push(hline(line, spec, datasets));
    const scales = { x: scale(spec.x, 'bottom'), y: scale(spec.y, 'left') };
    if (spec.y2) {
      scales.y2 = scale(spec.y2, 'right');
      scales.y2.grid = { drawOnChartArea: false };
    }
    return new Chart(figure.querySelector('canvas'), {
      type: spec.type === 'bar' ? 'bar' : 'scatter',
      data: { labels: spec.x.categories, datasets: datasets },
      options: {
        responsive: true,
        scales: scales,
        plugins: {
          legend: {
            position: 'bottom',
            labels: { boxWidth: 8, boxHeight: 8, usePointStyle: true, filter: (item, chart) =>
              chart.datasets[item.datasetIndex].legend !== false },
          },
          tooltip: {
            callbacks: {
              label: (ctx) => {
                const name = ctx.raw && ctx.raw.name ? ctx.raw.name + ', ' : '';
                const y = Array.isArray(ctx.raw) ? ctx.raw[1] - ctx.raw[0] : ctx.parsed.y;
                return name + ctx.dataset.label + ': ' + number(y);
              },
            },
          },
        },
      },
    });
  }

  const charts = [];
  for (const figure of figures) {
    try {
      charts.push(draw(figure));
      figure.dataset.drawn = 'true';
    } catch (error) {
      console.error('servebench: chart ' + figure.dataset.chart + ' could not be drawn:', error);
    }
  }
  // Paper has other widths than the screen, and the print layout is not known before it is
  // made: each chart is drawn at a fixed size of the print plot's shape, which the print style
  // then fits to its box, and drawn again for the screen afterwards.
  window.addEventListener('beforeprint', () => charts.forEach((c) => c.resize(500, 290)));
  window.addEventListener('afterprint', () => charts.forEach((c) => c.resize()));
  root.dataset.charts = charts.length === figures.length ? 'drawn' : 'failed';
})();
