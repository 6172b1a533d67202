/* Search pickers (core/widgets.py, ADR 0022): a <select data-gp-search="URL"> holds only what is
   chosen; Tom Select turns it into a combobox that asks URL?q=… as the user types and shows at most
   20 matches. Keyboard: type, arrow keys to move, Enter to choose, Backspace to remove the last
   choice. A status line under the box says what was found (read out by screen readers).
   Loaded with defer; no inline code anywhere (CSP). */
(function () {
  "use strict";

  function statusFor(select) {
    var status = document.createElement("div");
    status.className = "form-text gp-picker-status";
    status.setAttribute("aria-live", "polite");
    status.id = select.id + "-status";
    return status;
  }

  function init(select) {
    if (select.tomselect || typeof window.TomSelect !== "function") {
      return;
    }
    var url = select.getAttribute("data-gp-search");
    var noun = select.getAttribute("data-gp-noun") || "matches";
    var minChars = parseInt(select.getAttribute("data-gp-min-chars") || "1", 10);
    var status = statusFor(select);
    var say = function (text) { status.textContent = text; };
    var latest = {};  // the values of the last answer: only they are listed (not earlier choices)
    // A single picker that may stay empty is emptied with Backspace or its clear button.
    var optional = !select.required && !select.multiple;

    var picker = new window.TomSelect(select, {
      valueField: "value",
      labelField: "text",
      searchField: ["text", "detail"],
      placeholder: select.getAttribute("data-gp-placeholder") || "",
      plugins: select.multiple ? ["remove_button"] : (optional ? ["clear_button"] : []),
      maxOptions: 20,
      loadThrottle: 250,
      closeAfterSelect: true,
      openOnFocus: false,  // the list opens with the first letter typed (or the down arrow)
      hidePlaceholder: !select.multiple,  // one line: the choice, or the hint
      allowEmptyOption: false,
      // The server has already chosen and ordered the matches: show them as they come.
      score: function () { return function (item) { return latest[String(item.value)] ? 1 : 0; }; },
      shouldLoad: function (query) { return query.trim().length >= minChars; },
      load: function (query, callback) {
        var self = this;
        var address = url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query);
        fetch(address, { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (response) {
            if (!response.ok) { throw new Error(String(response.status)); }
            return response.json();
          })
          .then(function (answer) {
            self.clearOptions();  // keep only the chosen ones and this answer's matches
            latest = {};
            answer.results.forEach(function (row) { latest[String(row.value)] = true; });
            callback(answer.results);
            if (!answer.results.length) {
              say("No " + noun + " match “" + query + "”.");
            } else if (answer.more) {
              say("The first " + answer.results.length + " " + noun + " are shown: type more to narrow them down.");
            } else {
              say(answer.results.length + " found.");
            }
          })
          .catch(function () {
            callback();
            say("The search did not answer. Try again in a moment; if it keeps failing, reload the page.");
          });
      },
      render: {
        option: function (data, escape) {
          return "<div>" + escape(data.text) +
            (data.detail ? "<span class=\"d-block small gp-picker-detail\">" + escape(data.detail) + "</span>" : "") +
            "</div>";
        },
        item: function (data, escape) { return "<div>" + escape(data.text) + "</div>"; },
        no_results: function (data, escape) {
          return "<div class=\"no-results\">No " + escape(noun) + " match “" + escape(data.input) + "”.</div>";
        },
        loading: function () { return "<div class=\"spinner-border spinner-border-sm m-2\" role=\"status\"><span class=\"visually-hidden\">Searching…</span></div>"; }
      }
    });
    picker.on("item_add", function () { say(""); typing(false); });
    // A single picker hides its current choice while the user types another (the box stays one line).
    var typing = function (on) { picker.wrapper.classList.toggle("gp-typing", on); };
    picker.on("type", function (text) { typing(Boolean(text)); });
    picker.on("blur", function () { typing(false); });
    picker.wrapper.insertAdjacentElement("afterend", status);
    var control = picker.control_input;
    var described = [control.getAttribute("aria-describedby"), select.getAttribute("aria-describedby"), status.id]
      .filter(Boolean).join(" ");
    control.setAttribute("aria-describedby", described);
  }

  function initAll(root) {
    var selects = (root || document).querySelectorAll("select[data-gp-search]");
    Array.prototype.forEach.call(selects, init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  } else {
    initAll(document);
  }
  document.addEventListener("htmx:afterSwap", function (event) { initAll(event.target); });
})();
