// Polls a background export's progress and reveals the download link when done.
(function () {
  "use strict";
  var box = document.getElementById("export-status");
  if (!box) { return; }
  var bar = box.querySelector("progress"), count = box.querySelector(".count"), link = box.querySelector(".download");
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.total) { bar.max = s.total; }
        bar.value = s.done; count.textContent = s.done + " / " + (s.total || "…");
        if (s.status === "finished") { link.hidden = false; return; }
        if (s.status !== "failed") { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
