// Area form: live values while typing, autosave (debounced) with a visible saved/not-saved state,
// typing kept in localStorage until it is saved (restored after a login), a warning before leaving
// with unsaved changes, and the upload size checked before a file is sent.
(function () {
  "use strict";
  var form = document.getElementById("area-form");
  if (!form) { return; }
  var lang = form.dataset.lang || "id";
  var state = document.getElementById("save-state");
  var note = document.getElementById("dirty-note");
  var draftKey = form.dataset.draftKey;
  var dirty = false;      // something typed that the server does not have yet
  var edits = 0;          // bumped by every edit: a save answers for the edits made before it was sent
  var timer = null;
  var saving = false;
  var DELAY = 1500;
  var edited = {};        // the fields typed on this page: only these go into the draft

  // -- numbers as the reader writes them ----------------------------------------------------------
  function fmt(value, places) {
    var factor = Math.pow(10, places);
    var rounded = Math.round((value + 1e-12) * factor) / factor;
    return rounded.toLocaleString(lang === "id" ? "id-ID" : "en-US",
      { minimumFractionDigits: places, maximumFractionDigits: places });
  }
  function parseNumber(text) {
    var raw = String(text || "").trim().replace(/\s/g, "");
    if (raw === "") { return null; }
    if ((raw.match(/[.,]/g) || []).length > 1) { return NaN; }
    return Number(raw.replace(",", "."));
  }

  // -- live values --------------------------------------------------------------------------------
  function card(el) { return el.closest("article.indicator"); }
  function showNilai(article, value, bobot) {
    var out = article && article.querySelector("[data-live-nilai]");
    if (out) { out.textContent = value === null ? "–" : fmt(value * bobot, 4); }
  }
  function sum(fieldset, keys) {
    var total = 0, missing = false;
    keys.split(" ").filter(Boolean).forEach(function (key) {
      var input = fieldset.querySelector('[data-input="' + key + '"]');
      var n = input ? parseNumber(input.value) : null;
      if (n === null || isNaN(n)) { missing = true; } else { total += n; }
    });
    return missing ? null : total;
  }
  function livePercent(fieldset) {
    var num = sum(fieldset, fieldset.dataset.num), minus = sum(fieldset, fieldset.dataset.minus || "");
    var den = sum(fieldset, fieldset.dataset.den);
    var value = null;
    if (num !== null && den !== null && minus !== null) {
      num -= minus;
      if (den === 0) {
        var zero = String(fieldset.dataset.zero).split(" ").map(Number);
        value = zero.length > 1 ? (num === 0 ? zero[0] : zero[1]) : zero[0];
      } else {
        value = Math.min(1, Math.max(0, num / den));
      }
    }
    var out = fieldset.querySelector("[data-live-percent]");
    if (out) { out.textContent = value === null ? "–" : fmt(value * 100, 2) + " %"; }
    showNilai(card(fieldset), value, Number(fieldset.dataset.bobot));
  }
  function liveValue(target) {
    var counts = target.closest("fieldset[data-percent]");
    if (counts) { livePercent(counts); return; }
    var options = target.closest("fieldset[data-values]");
    if (options && target.type === "radio") {
      var values = {};
      JSON.parse(options.dataset.values).forEach(function (pair) { values[pair[0]] = pair[1]; });
      showNilai(card(options), target.checked ? values[target.value] : null, Number(options.dataset.bobot));
      return;
    }
    if (target.dataset && target.dataset.surveyMax) {
      var score = parseNumber(target.value);
      var max = Number(target.dataset.surveyMax);
      showNilai(card(target), score === null || isNaN(score) || score < 0 || score > max ? null : score / max,
                Number(target.dataset.bobot));
    }
  }

  // -- what the form holds ------------------------------------------------------------------------
  function typedFields() {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !/^[acn]_/.test(el.name)) { return; }
      if (el.type === "radio") { if (el.checked) { out[el.name] = el.value; } else if (!(el.name in out)) { out[el.name] = ""; } }
      else { out[el.name] = el.value; }
    });
    return out;
  }
  function setField(name, value) {
    var els = form.querySelectorAll('[name="' + name + '"]');
    Array.prototype.forEach.call(els, function (el) {
      if (el.type === "radio") { el.checked = el.value === value; } else { el.value = value; }
      liveValue(el);
    });
  }
  function autosaveBody() {
    var data = new FormData(form);
    Array.from(data.keys()).forEach(function (name) {
      if (/^[kf]_/.test(name)) { data.delete(name); }  // review comments are saved with the button only
    });
    return data;
  }

  // -- the visible state --------------------------------------------------------------------------
  function show(text, kind, link) {
    if (!state) { return; }
    state.textContent = text;
    state.className = "small save-state " + (kind || "");
    if (link) {
      var a = document.createElement("a");
      a.href = link; a.textContent = " " + form.dataset.msgLoginLink;
      state.appendChild(a);
    }
  }

  // -- the draft in this browser ------------------------------------------------------------------
  function keepDraft() {
    var all = typedFields(), fields = {};
    Object.keys(edited).forEach(function (name) { if (name in all) { fields[name] = all[name]; } });
    try { localStorage.setItem(draftKey, JSON.stringify({ fields: fields, at: Date.now() })); } catch (e) { /* full or off */ }
  }
  function dropDraft() { try { localStorage.removeItem(draftKey); } catch (e) { /* off */ } }
  function restoreDraft() {
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(draftKey) || "null"); } catch (e) { saved = null; }
    if (!saved || !saved.fields) { return false; }
    var now = typedFields(), changed = false;
    Object.keys(saved.fields).forEach(function (name) {
      if (name in now && now[name] !== saved.fields[name]) { setField(name, saved.fields[name]); edited[name] = true; changed = true; }
    });
    if (!changed) { dropDraft(); }
    return changed;
  }

  // -- autosave -----------------------------------------------------------------------------------
  function markDirty(event) {
    if (event.target.form !== form || !/^[acnkf]_/.test(event.target.name || "")) { return; }
    liveValue(event.target);
    if (/^[kf]_/.test(event.target.name)) { dirty = true; if (note) { note.hidden = false; } return; }
    dirty = true; edits += 1; edited[event.target.name] = true;
    if (note) { note.hidden = false; }
    show(form.dataset.msgDirty, "warn");
    keepDraft();
    clearTimeout(timer);
    timer = setTimeout(save, DELAY);
  }
  function save() {
    if (saving) { clearTimeout(timer); timer = setTimeout(save, DELAY); return; }
    saving = true;
    var sentAt = edits;
    show(form.dataset.msgSaving, "");
    fetch(form.dataset.autosaveUrl, {
      method: "POST", body: autosaveBody(), credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
      return (json ? response.json() : Promise.resolve({})).then(function (body) { return [response, body]; });
    }).then(function (pair) {
      var response = pair[0], body = pair[1];
      if (response.ok && body.ok) {
        Object.keys(body.fields || {}).forEach(function (name) {
          var el = form.querySelector('[name="' + name + '"]');
          if (el) { el.value = body.fields[name]; }
        });
        if (edits === sentAt) {
          Object.keys(body.sync || {}).forEach(function (key) {  // saved elsewhere on a field not touched here
            var stored = body.sync[key];
            setField("n_" + key, stored.n || "");
            if (stored.a !== null && typeof stored.a === "object") {
              Object.keys(stored.a).forEach(function (inp) { setField("c_" + inp + "__" + key, String(stored.a[inp])); });
            } else if (form.querySelector('[name="a_' + key + '"]')) {
              var v = stored.a === null ? "" : String(stored.a);
              setField("a_" + key, typeof stored.a === "number" && lang === "id" ? v.replace(".", ",") : v);
            }
          });
          dirty = false; edited = {}; if (note) { note.hidden = true; }
          dropDraft();
          show(form.dataset.msgSaved.replace("{t}", body.at || ""), "ok");
        } else {
          show(form.dataset.msgDirty, "warn");
        }
      } else if (response.status === 401 || response.status === 400 || response.redirected) {
        show(form.dataset.msgLogin, "bad", form.dataset.loginUrl);
      } else if (response.status === 409) {
        show(form.dataset.msgConflict.replace("{ids}", (body.conflicts || []).join(", ")), "bad");
      } else if (response.status === 422) {
        show((body && body.errors && body.errors.alasan) || form.dataset.msgInvalid, "bad");
      } else {
        show(form.dataset.msgFailed, "bad");
      }
    }).catch(function () {
      show(form.dataset.msgFailed, "bad");
    }).then(function () { saving = false; });
  }

  form.addEventListener("input", markDirty);
  form.addEventListener("change", markDirty);
  form.addEventListener("submit", function () { dirty = false; clearTimeout(timer); keepDraft(); });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { keepDraft(); event.preventDefault(); event.returnValue = form.dataset.unsaved || ""; return event.returnValue; }
  });
  // A page shown after a save (or a refusal) holds what the server has: a draft kept for that save is done.
  if (!document.querySelector(".error-summary") && restoreDraft()) {
    dirty = true; edits += 1;
    if (note) { note.hidden = false; }
    show(form.dataset.msgRestored, "warn");
    timer = setTimeout(save, 300);
  } else if (!document.querySelector(".error-summary")) {
    dropDraft();
  }

  // -- evidence: the size checked before sending, the typed title kept across a refusal -------------
  var evidence = document.getElementById("evidence-form");
  if (evidence) {
    var titleKey = evidence.dataset.draftKey;
    var kept = null;
    try { kept = JSON.parse(sessionStorage.getItem(titleKey) || "null"); sessionStorage.removeItem(titleKey); } catch (e) { kept = null; }
    if (kept && kept.key) {
      var title = document.getElementById("title-" + kept.key);
      if (title && !title.value) { title.value = kept.title || ""; }
    }
    evidence.addEventListener("submit", function (event) {
      var button = event.submitter;
      var indicator = button && button.value;
      if (!indicator) { return; }
      var key = indicator.replace(/\./g, "_");
      var file = document.getElementById("file-" + key);
      var title = document.getElementById("title-" + key);
      var error = card(button) && card(button).querySelector(".upload-error");
      var max = Number(evidence.dataset.maxBytes);
      if (file && file.files && file.files[0] && max && file.files[0].size > max) {
        event.preventDefault();
        if (error) {
          error.textContent = evidence.dataset.msgTooBig.replace("{name}", file.files[0].name)
            .replace("{size}", fmt(file.files[0].size / 1048576, 1));
          error.hidden = false;
        }
        return;
      }
      if (dirty && !window.confirm(form.dataset.unsaved || "")) { event.preventDefault(); return; }
      try { sessionStorage.setItem(titleKey, JSON.stringify({ key: key, title: title ? title.value : "" })); } catch (e) { /* off */ }
      dirty = false;
    });
  }
  document.querySelectorAll("#detach-form, #attach-form").forEach(function (other) {
    other.addEventListener("submit", function (event) {
      if (dirty && !window.confirm(form.dataset.unsaved || "")) { event.preventDefault(); }
      else { dirty = false; }
    });
  });
})();
