/* Progress of a bulk LHE export: polls the job's JSON status until it is finished.
   The page is rendered with the current state, so a reload simply resumes polling. */
(function () {
  "use strict";
  var box = document.getElementById("export-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var labels = JSON.parse(box.getAttribute("data-labels") || "{}");
  var countsText = box.getAttribute("data-counts") || "{done}/{total}";
  var delay = 1000;

  function byId(id) { return document.getElementById(id); }

  function show(data) {
    byId("export-state").textContent = labels[data.status] || data.status;
    var bar = byId("export-bar");
    bar.max = data.total;
    bar.value = data.done + data.failed;
    bar.textContent = data.percent + " %";
    byId("export-counts").textContent = countsText
      .replace("{done}", data.done).replace("{failed}", data.failed).replace("{total}", data.total);
    var error = byId("export-error");
    error.hidden = !data.error;
    error.textContent = data.error || "";
    var list = byId("export-failures");
    list.textContent = "";
    data.failures.forEach(function (f) {
      var item = document.createElement("li");
      var label = document.createElement("strong");
      label.textContent = f.label;
      item.appendChild(label);
      item.appendChild(document.createTextNode(": " + (f.error || "")));
      list.appendChild(item);
    });
    byId("export-failures-box").hidden = data.failures.length === 0;
    if (data.download) {
      byId("export-link").href = data.download;
      byId("export-download").hidden = false;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        show(data);
        delay = 1000;
        if (!data.finished) { window.setTimeout(poll, delay); }
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000);  // server busy or offline: back off, keep trying
        window.setTimeout(poll, delay);
      });
  }

  if (box.getAttribute("data-finished") !== "true") { window.setTimeout(poll, 500); }
})();
