// Intake page enhancement: live routing/repeat panel, category filter, enterprise
// suggestions and Ctrl+Enter to save. The form works without it.
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) { return; }
  var panel = document.getElementById("intake-preview");
  var timer = null;
  var inflight = null;
  var edits = 0;  // bumped by every change: an answer to a form older than the latest change is dropped

  function refresh() {
    if (inflight) { inflight.abort(); }
    inflight = new AbortController();
    var sent = edits;
    var data = new FormData(form);
    fetch(form.dataset.previewUrl, { method: "POST", body: data, signal: inflight.signal,
                                     credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null && sent === edits) { redraw(html); } })
      .catch(function () { /* offline or aborted: the panel keeps its last state */ });
  }

  // Redraw the panel without losing the operator's place: a focused control inside it (a repeat
  // candidate chosen by keyboard) is focused again after the redraw, and a choice made in it stays
  // made when the new panel offers it again.
  function redraw(html) {
    var active = document.activeElement;
    var inPanel = active && panel.contains(active) && active.name;
    var key = inPanel ? { name: active.name, value: active.value } : null;
    var chosen = Array.prototype.map.call(panel.querySelectorAll("input:checked[name]"), function (el) {
      return { name: el.name, value: el.value };
    });
    panel.innerHTML = html;
    function same(k) {
      return Array.prototype.find.call(panel.querySelectorAll("[name]"), function (el) {
        return el.name === k.name && el.value === k.value;
      });
    }
    chosen.forEach(function (k) { var el = same(k); if (el) { el.checked = true; } });
    if (key) {
      var again = same(key);
      if (again) { again.focus(); }
    }
  }

  function schedule(ev) {
    if (ev && ev.target && ev.target.id === "category-filter") { return; }
    edits += 1;
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 350);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);

  // Category picker: typing filters the options by name and keywords.
  var filter = document.getElementById("category-filter");
  var select = document.getElementById("category");
  if (filter && select) {
    var keywords = JSON.parse(select.dataset.keywords || "{}");
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase();
      var first = null;
      Array.prototype.forEach.call(select.options, function (opt) {
        var text = (opt.textContent + " " + (keywords[opt.value] || "")).toLowerCase();
        var show = !q || !opt.value || text.indexOf(q) !== -1;
        opt.hidden = !show;
        if (show && opt.value && first === null) { first = opt; }
      });
      if (q && first) { select.value = first.value; schedule(); }
    });
  }

  // Enterprise suggestions from earlier tickets, by name or credit code.
  var list = document.getElementById("enterprise-options");
  var name = document.getElementById("enterprise_name");
  var code = document.getElementById("credit_code");
  function suggest(q, fillName) {
    if (q.length < 2) { return; }
    fetch(form.dataset.enterpriseUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (rows) {
        list.innerHTML = "";
        rows.forEach(function (row) {
          var opt = document.createElement("option");
          opt.value = row.name;
          opt.label = row.credit_code || "";
          list.appendChild(opt);
          if (fillName && row.credit_code === q.toUpperCase() && !name.value) { name.value = row.name; schedule(); }
        });
      })
      .catch(function () {});
  }
  if (name && list) { name.addEventListener("input", function () { suggest(name.value.trim(), false); }); }
  if (code && list) { code.addEventListener("change", function () { suggest(code.value.trim(), true); }); }

  // Ctrl+Enter (or Cmd+Enter) saves from anywhere on the page, even when a redraw took the focus away.
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); form.requestSubmit(); }
  });
})();
