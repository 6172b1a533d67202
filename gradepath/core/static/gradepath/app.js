/* Gradepath's own script. Loaded with defer; no inline scripts anywhere (CSP). */
(function () {
  "use strict";

  // Forms that ask before they submit: <form data-gp-confirm="Are you sure…?">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var question = form.getAttribute("data-gp-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // After an htmx swap of search results, tell screen readers how many were found.
  document.addEventListener("htmx:afterSwap", function (event) {
    var status = document.getElementById("gp-results-status");
    var summary = event.target.querySelector("[data-gp-summary]");
    if (status && summary) {
      status.textContent = summary.getAttribute("data-gp-summary");
    }
  });
})();
