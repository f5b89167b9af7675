// Polls an export job's status until it is done or failed; fills in the progress bar and
// shows the download link. No library, no network beyond the portal.
(function () {
  "use strict";
  var box = document.getElementById("export-job");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  function show(status) {
    document.getElementById("export-state").textContent = status.state_label;
    document.getElementById("export-progress").value = status.percent;
    document.getElementById("export-done").textContent = status.done;
    document.getElementById("export-total").textContent = status.total;
    if (status.download) {
      var link = document.querySelector("#export-download a");
      link.href = status.download;
      document.getElementById("export-download").hidden = false;
    }
    if (status.state === "failed") {
      document.getElementById("export-error-text").textContent = status.error;
      document.getElementById("export-error").hidden = false;
    }
    return status.state === "done" || status.state === "failed";
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (status) { if (!show(status)) { setTimeout(poll, 1000); } })
      .catch(function () { setTimeout(poll, 3000); });
  }
  var state = box.getAttribute("data-state");
  if (state !== "done" && state !== "failed") { poll(); }
})();
