// Area form: warn before leaving with unsaved changes; show a live percentage for count inputs.
(function () {
  "use strict";
  var form = document.getElementById("area-form");
  if (!form) { return; }
  var dirty = false;
  var note = document.getElementById("dirty-note");
  function markDirty(event) {
    // evidence inputs sit inside the cards but belong to their own forms
    if (event.target.form !== form) { return; }
    if (!dirty) { dirty = true; if (note) { note.hidden = false; } }
  }
  form.addEventListener("input", markDirty);
  form.addEventListener("change", markDirty);
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = form.dataset.unsaved || ""; return event.returnValue; }
  });
  // Evidence forms live outside the area form: leaving through them must warn too.
  document.querySelectorAll("#evidence-form, #detach-form, #attach-form").forEach(function (other) {
    other.addEventListener("submit", function (event) {
      if (dirty && !window.confirm(form.dataset.unsaved || "")) { event.preventDefault(); }
      else { dirty = false; }
    });
  });
})();
