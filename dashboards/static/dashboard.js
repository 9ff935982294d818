/* SoftCart dashboard: renders the aggregates embedded in index.html with Chart.js.
 *
 * The data (#softcart-data) holds the marts' sales aggregated by source × year × month × category ×
 * country and by source × year × quarter × item, money in integer cents, so every figure shown here
 * is an exact sum of cells. Each chart also fills a data table whose rows carry the exact figures in
 * data-* attributes (data-value is the total in currency units with two decimals).
 *
 * The filters' state lives in the URL hash (#source=ecommerce&year=2020&category=all&item=Mobile),
 * so a view can be linked to, even from file://.
 */
(function () {
  "use strict";

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  var PALETTE = ["#2f6fb0", "#e07b39", "#3a9d5d", "#c2414b", "#7b5fb0", "#8c6d46", "#d46fb2",
    "#6b6b6b", "#b5a92f", "#2fb5c2"];
  var ALL = "all";
  var COUNTRY_BARS = 15;

  var DATA = JSON.parse(document.getElementById("softcart-data").textContent);
  var M = DATA.marts;
  var charts = {};
  var state = {};

  // ---- formatting ------------------------------------------------------------------------------

  var numberFormat = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var countFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  var compactFormat = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
  /** A value axis with short tick labels (1.2M) starting at zero. */
  function valueAxis() {
    return { beginAtZero: true, ticks: { callback: function (v) { return compactFormat.format(v); } } };
  }

  /** Exact decimal text of an integer number of cents: 123456 -> "1234.56". */
  function centsText(cents) {
    var sign = cents < 0 ? "-" : "";
    var abs = Math.abs(Math.round(cents));
    var frac = String(abs % 100);
    return sign + String(Math.floor(abs / 100)) + "." + (frac.length < 2 ? "0" + frac : frac);
  }
  function money(cents) { return numberFormat.format(cents / 100); }
  function count(n) { return countFormat.format(n); }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  // ---- state (filters) ---------------------------------------------------------------------------

  function readHash() {
    var out = {};
    (window.location.hash || "").replace(/^#/, "").split("&").forEach(function (pair) {
      if (!pair) { return; }
      var i = pair.indexOf("=");
      if (i > 0) { out[decodeURIComponent(pair.slice(0, i))] = decodeURIComponent(pair.slice(i + 1)); }
    });
    return out;
  }

  function writeHash() {
    var hash = "#" + ["source", "year", "category", "item"].map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(state[k]);
    }).join("&");
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", hash);
    }
  }

  var ITEM_PATTERN = /mobile|smart ?phone|phone/i;

  /** The items with sales in the current selection (source, year, category), sorted by name. */
  function availableItems() {
    var t = M.by_item_quarter;
    var codes = new Set();
    select(t, true).forEach(function (i) { codes.add(t.item[i]); });
    return Array.from(codes).map(function (c) { return M.items[c].name; }).sort();
  }

  function preferredItem(names) {
    for (var i = 0; i < names.length; i++) {
      if (ITEM_PATTERN.test(names[i])) { return names[i]; }
    }
    return names.length ? names[0] : "";
  }

  function initState() {
    var hash = readHash();
    state.source = M.sources.indexOf(hash.source) >= 0 ? hash.source : ALL;
    var years = M.years.map(String);
    if (hash.year === ALL || years.indexOf(hash.year) >= 0) {
      state.year = hash.year;
    } else {
      state.year = years.length ? years[years.length - 1] : ALL;
    }
    state.category = M.categories.indexOf(hash.category) >= 0 ? hash.category : ALL;
    state.item = hash.item || "";
    fixItem();
  }

  /** Keep the chosen item if it has sales in the selection, else pick the mobile phones (or the first). */
  function fixItem() {
    var names = availableItems();
    if (names.indexOf(state.item) < 0) { state.item = preferredItem(names); }
  }

  function fillSelect(select, options, value) {
    select.textContent = "";
    options.forEach(function (opt) {
      var o = el("option", { value: opt.value }, opt.label);
      if (opt.value === value) { o.selected = true; }
      select.appendChild(o);
    });
    select.value = value;
  }

  function renderFilters() {
    fillSelect(document.getElementById("filter-source"),
      [{ value: ALL, label: "All sources" }].concat(M.sources.map(function (s) { return { value: s, label: s }; })),
      state.source);
    fillSelect(document.getElementById("filter-year"),
      [{ value: ALL, label: "All years" }].concat(M.years.map(function (y) { return { value: String(y), label: String(y) }; })),
      state.year);
    fillSelect(document.getElementById("filter-category"),
      [{ value: ALL, label: "All categories" }].concat(M.categories.map(function (c) { return { value: c, label: c }; })),
      state.category);
    fillSelect(document.getElementById("filter-item"),
      availableItems().map(function (name) { return { value: name, label: name }; }),
      state.item);
  }

  // ---- aggregation -----------------------------------------------------------------------------

  /** Indices of the cells of a columnar table that pass the filters (year optional). */
  function select(table, useYear) {
    var src = M.sources.indexOf(state.source);
    var cat = M.categories.indexOf(state.category);
    var year = state.year === ALL ? null : Number(state.year);
    var out = [];
    var n = table.source.length;
    for (var i = 0; i < n; i++) {
      if (state.source !== ALL && table.source[i] !== src) { continue; }
      if (state.category !== ALL && table.category[i] !== cat) { continue; }
      if (useYear && year !== null && table.year[i] !== year) { continue; }
      out.push(i);
    }
    return out;
  }

  function groupSum(table, rows, keyOf) {
    var groups = new Map();
    rows.forEach(function (i) {
      var key = keyOf(i);
      var g = groups.get(key);
      if (!g) { g = { revenue: 0, orders: 0 }; groups.set(key, g); }
      g.revenue += table.revenue_cents[i];
      g.orders += table.orders[i];
    });
    return groups;
  }

  // ---- rendering -------------------------------------------------------------------------------

  function baseOptions(extra) {
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: function (ctx) {
          var v = ctx.parsed && typeof ctx.parsed === "object" ? (ctx.parsed.y !== undefined ? ctx.parsed.y : ctx.parsed.x) : ctx.parsed;
          return (ctx.dataset.label ? ctx.dataset.label + ": " : "") + numberFormat.format(v);
        } } }
      }
    };
    Object.keys(extra || {}).forEach(function (k) {
      if (k === "plugins") {
        Object.keys(extra.plugins).forEach(function (p) { options.plugins[p] = extra.plugins[p]; });
      } else {
        options[k] = extra[k];
      }
    });
    return options;
  }

  function upsertChart(name, config) {
    var canvas = document.getElementById("chart-" + name);
    if (charts[name]) {
      charts[name].data = config.data;
      charts[name].options = config.options;
      charts[name].update();
    } else {
      charts[name] = new window.Chart(canvas, config);
    }
  }

  function setNoData(name, empty) {
    var card = document.getElementById("card-" + name);
    card.querySelector(".no-data").hidden = !empty;
    card.querySelector(".chart-box").classList.toggle("is-empty", empty);
    card.dataset.empty = empty ? "true" : "false";
  }

  function fillTable(id, rows) {
    var tbody = document.querySelector("#" + id + " tbody");
    tbody.textContent = "";
    rows.forEach(function (r) { tbody.appendChild(r); });
  }

  function selectionText() {
    var parts = [];
    parts.push(state.year === ALL ? "all years" : state.year);
    if (state.category !== ALL) { parts.push(state.category); }
    if (state.source !== ALL) { parts.push("source " + state.source); }
    return "(" + parts.join(", ") + ")";
  }

  function renderKpis(rows) {
    var t = M.by_month;
    var revenue = 0, orders = 0, priced = 0, countries = new Set();
    rows.forEach(function (i) {
      revenue += t.revenue_cents[i];
      orders += t.orders[i];
      priced += t.priced_orders[i];
      if (t.orders[i] > 0 && M.countries[t.country[i]].known) { countries.add(t.country[i]); }
    });
    var aov = priced ? Math.round(revenue / priced) : 0;
    var values = {
      revenue: [centsText(revenue), money(revenue)],
      orders: [String(orders), count(orders)],
      aov: [centsText(aov), money(aov)],
      countries: [String(countries.size), count(countries.size)]
    };
    Object.keys(values).forEach(function (k) {
      var tile = document.querySelector('.kpi[data-kpi="' + k + '"]');
      tile.dataset.value = values[k][0];
      tile.querySelector(".kpi-value").textContent = values[k][1];
    });
  }

  function renderMonthly(selected) {
    var t = M.by_month;
    var rows = selected.filter(function (i) { return t.year[i] !== null; });
    var groups = groupSum(t, rows, function (i) { return t.year[i] * 100 + t.month[i]; });
    var years = state.year === ALL ? M.years.slice() : [Number(state.year)];
    var tableRows = [];
    var datasets = years.map(function (year, n) {
      var values = [];
      for (var m = 1; m <= 12; m++) {
        var g = groups.get(year * 100 + m) || { revenue: 0, orders: 0 };
        values.push(g.revenue / 100);
        var tr = el("tr", { "data-year": year, "data-month": m, "data-value": centsText(g.revenue), "data-orders": g.orders });
        tr.appendChild(el("th", { scope: "row" }, MONTHS[m - 1] + " " + year));
        tr.appendChild(el("td", {}, money(g.revenue)));
        tr.appendChild(el("td", {}, count(g.orders)));
        tableRows.push(tr);
      }
      var color = PALETTE[n % PALETTE.length];
      return { label: String(year), data: values, borderColor: color, backgroundColor: color, tension: 0.2, pointRadius: 3 };
    });
    fillTable("table-monthly", tableRows);
    document.getElementById("monthly-subtitle").textContent = selectionText();
    upsertChart("monthly", {
      type: "line",
      data: { labels: MONTHS.map(function (m) { return m.slice(0, 3); }), datasets: datasets },
      options: baseOptions({
        plugins: { legend: { display: years.length > 1 } },
        scales: { y: valueAxis() }
      })
    });
    document.getElementById("chart-monthly").setAttribute("aria-label",
      "Line chart of total sales by month " + selectionText() + "; the figures are in the data table below.");
    setNoData("monthly", rows.length === 0);
  }

  function renderCategory(rows) {
    var t = M.by_month;
    var groups = groupSum(t, rows, function (i) { return t.category[i]; });
    var entries = Array.from(groups.entries()).filter(function (e) { return e[1].orders > 0; })
      .sort(function (a, b) { return b[1].revenue - a[1].revenue; });
    var total = entries.reduce(function (s, e) { return s + e[1].revenue; }, 0);
    fillTable("table-category", entries.map(function (e) {
      var name = M.categories[e[0]];
      var share = total ? (100 * e[1].revenue / total).toFixed(1) + " %" : "";
      var tr = el("tr", { "data-category": name, "data-value": centsText(e[1].revenue), "data-orders": e[1].orders });
      tr.appendChild(el("th", { scope: "row" }, name));
      tr.appendChild(el("td", {}, money(e[1].revenue)));
      tr.appendChild(el("td", {}, share));
      return tr;
    }));
    document.getElementById("category-subtitle").textContent = selectionText();
    upsertChart("category", {
      type: "pie",
      data: {
        labels: entries.map(function (e) { return M.categories[e[0]]; }),
        datasets: [{
          data: entries.map(function (e) { return e[1].revenue / 100; }),
          backgroundColor: entries.map(function (e, n) { return PALETTE[n % PALETTE.length]; })
        }]
      },
      options: baseOptions({ plugins: { legend: { display: true, position: "right" } } })
    });
    document.getElementById("chart-category").setAttribute("aria-label",
      "Pie chart of total sales by category " + selectionText() + "; the figures are in the data table below.");
    setNoData("category", entries.length === 0);
  }

  function renderItem() {
    var t = M.by_item_quarter;
    var item = M.items.map(function (i) { return i.name; }).indexOf(state.item);
    var rows = select(t, true).filter(function (i) { return t.item[i] === item && t.year[i] !== null; });
    var groups = groupSum(t, rows, function (i) { return t.year[i] * 10 + t.quarter[i]; });
    var years = state.year === ALL ? M.years.slice() : [Number(state.year)];
    var labels = [], values = [], tableRows = [];
    years.forEach(function (year) {
      for (var q = 1; q <= 4; q++) {
        var g = groups.get(year * 10 + q) || { revenue: 0, orders: 0 };
        var label = (years.length > 1 ? year + " " : "") + "Q" + q;
        labels.push(label);
        values.push(g.revenue / 100);
        var tr = el("tr", { "data-year": year, "data-quarter": q, "data-item": state.item,
          "data-value": centsText(g.revenue), "data-orders": g.orders });
        tr.appendChild(el("th", { scope: "row" }, "Q" + q + " " + year));
        tr.appendChild(el("td", {}, money(g.revenue)));
        tr.appendChild(el("td", {}, count(g.orders)));
        tableRows.push(tr);
      }
    });
    fillTable("table-item", tableRows);
    document.getElementById("table-item").querySelector("caption").textContent =
      "Total sales of " + state.item + " by quarter";
    document.getElementById("item-subtitle").textContent = selectionText();
    upsertChart("item", {
      type: "bar",
      data: { labels: labels, datasets: [{ label: state.item, data: values, backgroundColor: PALETTE[0], maxBarThickness: 90 }] },
      options: baseOptions({ scales: { y: valueAxis() } })
    });
    document.getElementById("chart-item").setAttribute("aria-label",
      "Bar chart of quarterly sales of " + state.item + " " + selectionText() + "; the figures are in the data table below.");
    setNoData("item", rows.length === 0);
  }

  function renderCountry(rows) {
    var t = M.by_month;
    var groups = groupSum(t, rows, function (i) { return t.country[i]; });
    var entries = Array.from(groups.entries()).filter(function (e) { return e[1].orders > 0; })
      .sort(function (a, b) { return b[1].revenue - a[1].revenue || (M.countries[a[0]].name < M.countries[b[0]].name ? -1 : 1); });
    fillTable("table-country", entries.map(function (e) {
      var name = M.countries[e[0]].name;
      var tr = el("tr", { "data-country": name, "data-value": centsText(e[1].revenue), "data-orders": e[1].orders });
      tr.appendChild(el("th", { scope: "row" }, name));
      tr.appendChild(el("td", {}, money(e[1].revenue)));
      tr.appendChild(el("td", {}, count(e[1].orders)));
      return tr;
    }));
    var top = entries.slice(0, COUNTRY_BARS);
    document.getElementById("country-subtitle").textContent = selectionText() +
      (entries.length > COUNTRY_BARS ? " top " + COUNTRY_BARS + " of " + entries.length : "");
    upsertChart("country", {
      type: "bar",
      data: {
        labels: top.map(function (e) { return M.countries[e[0]].name; }),
        datasets: [{ label: "Total sales", data: top.map(function (e) { return e[1].revenue / 100; }),
          backgroundColor: PALETTE[2], maxBarThickness: 28 }]
      },
      options: baseOptions({ indexAxis: "y", scales: { x: valueAxis(), y: { ticks: { autoSkip: false } } } })
    });
    document.getElementById("chart-country").setAttribute("aria-label",
      "Bar chart of total sales by country " + selectionText() + "; the figures are in the data table below.");
    setNoData("country", entries.length === 0);
  }

  function renderAll() {
    var rows = select(M.by_month, true);  // the month cells in the selection, shared by four parts
    renderKpis(rows);
    renderMonthly(rows);
    renderCategory(rows);
    renderItem();
    renderCountry(rows);
    document.body.dataset.state = JSON.stringify(state);
    writeHash();
  }

  // ---- data health -----------------------------------------------------------------------------

  function age(from, to) {
    if (!from || !to) { return ""; }
    var ms = Date.parse(to.replace(" ", "T")) - Date.parse(from.replace(" ", "T"));
    if (isNaN(ms)) { return ""; }
    var minutes = Math.round(ms / 60000);
    if (minutes < 60) { return minutes + " min"; }
    if (minutes < 48 * 60) { return (minutes / 60).toFixed(1) + " h"; }
    return (minutes / 1440).toFixed(1) + " days";
  }

  function renderHealth() {
    var H = DATA.health || {};
    var run = H.last_run;
    var lastRun = document.getElementById("health-last-run");
    var dl = document.getElementById("health-run");
    dl.textContent = "";
    if (!run) {
      lastRun.textContent = "No ingestion run yet.";
      lastRun.dataset.state = "none";
    } else {
      lastRun.textContent = "Run " + (run.run_id !== null ? run.run_id : "?") +
        (run.status ? " — " + run.status : "");
      lastRun.dataset.state = "run";
      lastRun.dataset.runId = run.run_id === null ? "" : String(run.run_id);
      var cols = run.columns || {};
      [["Started", run.started_at], ["Ended", run.ended_at], ["Status", run.status],
        ["Rows read", cols.rows_read], ["Rows written", cols.rows_written], ["Rows rejected", cols.rows_rejected],
        ["Full refresh", cols.full_refresh], ["Error", cols.error]].forEach(function (p) {
        if (p[1] === null || p[1] === undefined) { return; }
        dl.appendChild(el("dt", {}, p[0]));
        dl.appendChild(el("dd", {}, typeof p[1] === "number" ? count(p[1]) : p[1]));
      });
    }

    var rej = H.rejects;
    var rejText = document.getElementById("health-rejects");
    var streamRejected = (H.streams || []).reduce(function (s, row) {
      Object.keys(row).forEach(function (k) { if (/reject/.test(k) && typeof row[k] === "number") { s += row[k]; } });
      return s;
    }, 0);
    if (!run && (!rej || !rej.total)) {
      rejText.textContent = "No ingestion run yet.";
      rejText.dataset.lastRun = "";
      rejText.dataset.total = rej ? String(rej.total) : "";
    } else {
      var last = rej && rej.last_run !== null && rej.last_run !== undefined ? rej.last_run : streamRejected;
      var total = rej ? rej.total : null;
      rejText.dataset.lastRun = String(last);
      rejText.dataset.total = total === null ? "" : String(total);
      rejText.textContent = count(last) + " in the last run" + (total === null ? "" : ", " + count(total) + " in all runs") +
        (rej && rej.by_stream && rej.by_stream.length ? " (" + rej.by_stream.map(function (s) {
          return s.stream + ": " + count(s.rejected);
        }).join(", ") + ")" : "") + ".";
    }

    fillTable("table-freshness", (H.freshness || []).map(function (f) {
      var tr = el("tr", { "data-source": f.source, "data-table": f.table, "data-loaded-at": f.loaded_at || "" });
      tr.appendChild(el("th", { scope: "row" }, f.source));
      tr.appendChild(el("td", {}, f.table));
      tr.appendChild(el("td", {}, f.loaded_at || "never"));
      tr.appendChild(el("td", {}, age(f.loaded_at, DATA.generated_at)));
      return tr;
    }));
    if (!(H.freshness || []).length) {
      var tr = el("tr", { "data-empty": "true" });
      tr.appendChild(el("td", { colspan: "4" }, "No ingestion run yet: no raw table has landed rows."));
      fillTable("table-freshness", [tr]);
    }

    fillTable("table-latest-sales", (M.latest_sales || []).map(function (s) {
      var tr = el("tr", { "data-source": s.source, "data-latest-sale": s.latest_sale || "", "data-sales": s.sales });
      tr.appendChild(el("th", { scope: "row" }, s.source));
      tr.appendChild(el("td", {}, s.latest_sale || "no timestamp"));
      tr.appendChild(el("td", {}, count(s.sales)));
      return tr;
    }));

    var streams = H.streams || [];
    if (streams.length) {
      var box = document.getElementById("health-streams-box");
      box.hidden = false;
      var cols = Object.keys(streams[0]);
      var head = el("tr");
      cols.forEach(function (c) { head.appendChild(el("th", { scope: "col" }, c)); });
      var thead = document.querySelector("#table-streams thead");
      thead.textContent = "";
      thead.appendChild(head);
      fillTable("table-streams", streams.map(function (row) {
        var tr = el("tr");
        cols.forEach(function (c) { tr.appendChild(el("td", {}, row[c] === null ? "" : row[c])); });
        return tr;
      }));
    }

    var errors = H.errors || [];
    var ul = document.getElementById("health-errors");
    ul.hidden = errors.length === 0;
    errors.forEach(function (e) { ul.appendChild(el("li", {}, "Could not read " + e)); });
  }

  // ---- start -----------------------------------------------------------------------------------

  function start() {
    document.getElementById("generated-at").textContent = DATA.generated_at;
    document.getElementById("warehouse-url").textContent = DATA.warehouse;
    renderHealth();
    var empty = !M || M.by_month.source.length === 0;
    document.body.dataset.empty = empty ? "true" : "false";
    document.getElementById("empty-state").hidden = !empty;
    document.getElementById("dashboard").hidden = empty;
    document.getElementById("filters").hidden = empty;
    if (empty) {
      document.body.dataset.ready = "true";
      return;
    }
    window.Chart.defaults.font.family = "'Liberation Sans', Arial, Helvetica, sans-serif";
    initState();
    renderFilters();
    renderAll();
    ["source", "year", "category", "item"].forEach(function (name) {
      document.getElementById("filter-" + name).addEventListener("change", function (ev) {
        state[name] = ev.target.value;
        fixItem();
        renderFilters();
        renderAll();
      });
    });
    document.body.dataset.ready = "true";
  }

  start();
}());
