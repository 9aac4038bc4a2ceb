// The little script the app needs; everything works without it.
// Loaded with `defer`, under a CSP that allows no inline script.
(function () {
  "use strict";

  // A stale CSRF token: the server sends a fresh one in HX-Trigger; put it everywhere.
  document.body.addEventListener("csrf-refresh", function (event) {
    var token = event.detail && event.detail.token;
    if (!token) { return; }
    document.querySelectorAll("input[name=csrf_token]").forEach(function (input) {
      input.value = token;
    });
    document.querySelectorAll("[hx-headers]").forEach(function (element) {
      try {
        var headers = JSON.parse(element.getAttribute("hx-headers"));
        if ("X-CSRFToken" in headers) {
          headers["X-CSRFToken"] = token;
          element.setAttribute("hx-headers", JSON.stringify(headers));
        }
      } catch (e) { /* not JSON: leave it */ }
    });
  });

  // After an HTMX swap, move focus to the first field with an error so it is announced.
  // With an outerHTML swap the old target is gone, so look it up again by its id.
  document.body.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    var root = (target && target.id && document.getElementById(target.id)) || target;
    var invalid = root && root.querySelector("[aria-invalid=true]");
    var marked = root && root.querySelector("[data-focus-after-swap]");
    if (invalid) { invalid.focus(); } else if (marked) { marked.focus(); }
  });
})();

// The certificate's print button: hidden without JavaScript (the page then says how to
// print with the browser's own command), shown by this script, also after an htmx swap.
// The guard keeps one click handler if the script runs again.
(function () {
  "use strict";
  if (window.mentorshipPrint) { return; }
  window.mentorshipPrint = true;
  function reveal() {
    document.querySelectorAll(".print-button[hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }
  reveal();
  document.addEventListener("htmx:afterSettle", reveal);
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".print-button");
    if (button) { window.print(); }
  });
})();

// The phone menu is a <details> and works without this script; with it, Escape closes
// the open menu and puts focus back on its button, as people expect of a menu.
(function () {
  "use strict";
  if (window.mentorshipMenu) { return; }
  window.mentorshipMenu = true;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var menu = event.target.closest && event.target.closest("details.site-menu[open]");
    var summary = menu && menu.querySelector("summary");
    // On a wide screen the button is not shown and the list stays: nothing to close.
    if (!summary || summary.getClientRects().length === 0) { return; }
    menu.open = false;
    summary.focus();
  });
})();
