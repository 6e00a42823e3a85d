// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // An htmx request that fails shows the server's short answer instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var target = event.detail.target;
    if (!target || xhr.status < 400) return;
    var note = document.createElement("p");
    note.className = "notice bad";
    note.setAttribute("role", "alert");
    note.textContent = xhr.status === 403
      ? (document.documentElement.lang === "nl" ? "Je rol is alleen-lezen." :
         document.documentElement.lang === "da" ? "Din rolle er skrivebeskyttet." :
         "Your role is read-only.")
      : "Error " + xhr.status;
    target.insertAdjacentElement("afterend", note);
  });
  // Selects that apply at once (company, language) submit their form when changed; a
  // listener here rather than onchange="…", which the Content-Security-Policy would block.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("select[data-autosubmit]") && field.form) {
      field.form.submit();
    }
  });
  // Forms that must not be sent twice (run now, go live): disable their button while sending.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("form[data-once]")) {
      var button = form.querySelector("button[type=submit]");
      if (button) { setTimeout(function () { button.disabled = true; }, 0); }
      // A slow step says what it is doing, with a spinner, instead of a silent grey button.
      var words = form.getAttribute("data-busy");
      if (words && !form.querySelector(".busy")) {
        var busy = document.createElement("p");
        busy.className = "busy";
        busy.setAttribute("role", "status");
        busy.setAttribute("data-testid", "busy");
        var spinner = document.createElement("span");
        spinner.className = "spinner htmx-request";
        spinner.setAttribute("aria-hidden", "true");
        busy.appendChild(spinner);
        busy.appendChild(document.createTextNode(" " + words));
        form.appendChild(busy);
      }
    }
  });
  // Copy buttons of a record's panes: the pane's text to the clipboard, and a word of thanks.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-copy]") : null;
    if (!button || !navigator.clipboard) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    navigator.clipboard.writeText(source.textContent).then(function () {
      var before = button.textContent;
      button.textContent = button.getAttribute("data-copied") || "✓";
      setTimeout(function () { button.textContent = before; }, 1500);
    });
  });
  // Tables that stack on a narrow screen hide their header row: each cell carries its
  // column's name instead (shown by the stylesheet before the value).
  function labelCells(root) {
    var tables = (root || document).querySelectorAll("table.stack-table");
    Array.prototype.forEach.call(tables, function (table) {
      var heads = table.querySelectorAll("thead th");
      if (!heads.length) return;
      Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
        Array.prototype.forEach.call(row.children, function (cell, i) {
          if (heads[i] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", heads[i].textContent.trim());
          }
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { labelCells(document); });
  document.addEventListener("htmx:afterSettle", function () { labelCells(document); });
})();
