// The registration page's earlier contacts (intake:history), refreshed as the clerk types
// the citizen's phone or account number: once typing pauses (debounced), at once when the
// field is left. An answer to an older request never overwrites a newer one.
(function () {
  "use strict";
  const PAUSE_MS = 300;
  const panel = document.querySelector("[data-history-url]");
  if (!panel) {
    return;
  }
  const url = panel.dataset.historyUrl;
  // "param=field-id" pairs: the query parameter each input is sent as.
  const fields = panel.dataset.historyFields.split(" ").map(function (pair) {
    const [param, id] = pair.split("=");
    return {param: param, input: document.getElementById(id)};
  }).filter(function (field) { return field.input; });
  let timer = null;
  let inFlight = null;
  let lastQuery = null;

  function refresh() {
    clearTimeout(timer);
    const query = new URLSearchParams();
    fields.forEach(function (field) {
      query.set(field.param, field.input.value.trim());
    });
    const text = query.toString();
    if (text === lastQuery) {
      return;
    }
    lastQuery = text;
    if (inFlight) {
      inFlight.abort();
    }
    inFlight = new AbortController();
    fetch(url + "?" + text, {credentials: "same-origin", signal: inFlight.signal})
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { if (html) { panel.innerHTML = html; } })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          lastQuery = null;  // try again on the next keystroke
        }
      });
  }

  fields.forEach(function (field) {
    field.input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, PAUSE_MS);
    });
    field.input.addEventListener("change", refresh);
  });
})();
