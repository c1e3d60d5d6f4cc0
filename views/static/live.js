// Onramp live updates. Any element with data-live="topic [topic…]" is refreshed when an
// event on one of its topics arrives: the server streams "change" events over
// server-sent events (/live), and this script fires the htmx trigger "live" on the
// matching elements, which re-fetch themselves (hx-get … hx-trigger="live"). Without
// JavaScript the pages still work; they just need a reload to show changes.
(function () {
  "use strict";
  var source = null;
  var current = "";

  function topicsOf(el) {
    return (el.getAttribute("data-live") || "").split(/\s+/).filter(Boolean);
  }

  function connect() {
    var set = {};
    document.querySelectorAll("[data-live]").forEach(function (el) {
      topicsOf(el).forEach(function (t) { set[t] = true; });
    });
    var query = Object.keys(set).sort().map(function (t) {
      return "topic=" + encodeURIComponent(t);
    }).join("&");
    if (query === current) return;
    if (source) { source.close(); source = null; }
    current = query;
    if (!query || !window.EventSource) return;
    source = new EventSource("/live?" + query);
    source.addEventListener("change", function (ev) {
      var change = JSON.parse(ev.data);
      document.querySelectorAll("[data-live]").forEach(function (el) {
        if (topicsOf(el).indexOf(change.topic) >= 0 && window.htmx) {
          window.htmx.trigger(el, "live", change);
        }
      });
    });
  }

  // After htmx replaces the page (a boosted link, a form's answer or redirect), focus moves
  // to what a person needs next: the message if there is one, else the page's heading,
  // as a full page load would let a screen reader start there. Live refreshes of a part
  // of the page never move focus.
  function focusPage(ev) {
    var target = ev.detail && ev.detail.target;
    if (!target || (target !== document.body && target.id !== "main")) return;
    var el = document.querySelector("main [role=alert], #flash, main [role=status]") ||
      document.querySelector("main h1") || document.getElementById("main");
    if (!el) return;
    if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
    el.focus();
  }

  document.addEventListener("htmx:afterSettle", focusPage);

  // A search box over a long checkbox list (input[data-filter] names the list's id) hides
  // the options whose label does not contain the words typed. Without JavaScript the box
  // stays hidden and the whole list shows.
  function filters() {
    document.querySelectorAll("input[data-filter]").forEach(function (box) {
      if (box.dataset.ready) return;
      box.dataset.ready = "1";
      box.hidden = false;
      if (box.labels) box.labels.forEach(function (l) { l.hidden = false; });
      box.addEventListener("input", function () {
        var q = box.value.trim().toLowerCase();
        var list = document.getElementById(box.dataset.filter);
        if (!list) return;
        list.querySelectorAll("label").forEach(function (l) {
          l.hidden = q !== "" && l.textContent.toLowerCase().indexOf(q) < 0 && !l.querySelector("input:checked");
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", filters);
  document.addEventListener("htmx:afterSettle", filters);
  document.addEventListener("DOMContentLoaded", connect);
  document.addEventListener("htmx:afterSettle", connect);
  document.addEventListener("htmx:historyRestore", connect);
})();
