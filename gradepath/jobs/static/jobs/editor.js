/* The JD draft editor: let htmx show the conflict (409) and validation (400) answers of a
   section save, which it would otherwise ignore as errors. No inline code (CSP). */
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 409 || status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // Warn before leaving while a save is still in flight.
  var pending = 0;
  document.addEventListener("htmx:beforeRequest", function () { pending += 1; });
  document.addEventListener("htmx:afterRequest", function () { pending = Math.max(0, pending - 1); });
  window.addEventListener("beforeunload", function (event) {
    if (pending > 0) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
