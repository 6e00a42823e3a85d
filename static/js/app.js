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
    }
  });
})();
