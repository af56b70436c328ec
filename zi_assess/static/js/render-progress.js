/* Progress of one report's rendering: polls its JSON state; when the PDF is ready it goes to the
   report's URL (the download); when it failed it reloads the page (which offers "try again").
   Without JavaScript the page's meta refresh does the same every few seconds. */
(function () {
  "use strict";
  var box = document.getElementById("render-progress");
  if (!box || box.getAttribute("data-failed") === "true") { return; }
  var url = box.getAttribute("data-status-url");
  var delay = 700;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        if (data.ready) {
          window.location.assign(data.url);
          return;
        }
        if (data.failed) {
          window.location.reload();
          return;
        }
        delay = 700;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 10000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
}());
