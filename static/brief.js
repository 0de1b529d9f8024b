/* brief — timeline filter.
   Reveals the filter form of the timeline page and hides the events that do
   not match the chosen entity and topic, then the months and years left
   empty. Without this script the whole timeline is shown. Does nothing on
   pages without the form. No dependencies. */
(function () {
  "use strict";

  var form = document.getElementById("timeline-filter");
  if (!form || !document.querySelectorAll) {
    return;
  }
  var entitySelect = document.getElementById("filter-entity");
  var tagSelect = document.getElementById("filter-tag");
  var countOutput = document.getElementById("filter-count");
  var emptyNote = document.getElementById("filter-empty");
  var years = document.querySelectorAll(".timeline-year");
  var yearLinks = document.querySelectorAll(".timeline-years a[href^='#']");
  var total = document.querySelectorAll(".timeline-year .event").length;

  function hasWord(list, word) {
    return (" " + (list || "") + " ").indexOf(" " + word + " ") !== -1;
  }

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  function apply() {
    var entity = entitySelect ? entitySelect.value : "";
    var tag = tagSelect ? tagSelect.value : "";
    var shown = 0;
    var shownYears = {};
    for (var y = 0; y < years.length; y++) {
      var year = years[y];
      var months = year.querySelectorAll(".timeline-month");
      var yearCount = 0;
      for (var m = 0; m < months.length; m++) {
        var month = months[m];
        var events = month.querySelectorAll(".event");
        var monthCount = 0;
        for (var e = 0; e < events.length; e++) {
          var ev = events[e];
          var match =
            (!entity || hasWord(ev.getAttribute("data-entities"), entity)) &&
            (!tag || hasWord(ev.getAttribute("data-tags"), tag));
          if (ev.hidden === match) {
            ev.hidden = !match;
          }
          if (match) {
            monthCount++;
          }
        }
        month.hidden = monthCount === 0;
        yearCount += monthCount;
      }
      year.hidden = yearCount === 0;
      if (yearCount > 0) {
        shownYears[year.id] = true;
      }
      shown += yearCount;
    }
    for (var i = 0; i < yearLinks.length; i++) {
      var link = yearLinks[i];
      var item = link.parentNode;
      var id = decodeURIComponent(link.getAttribute("href").slice(1));
      if (item && item.nodeName === "LI") {
        item.hidden = !shownYears[id];
      }
    }
    if (countOutput) {
      countOutput.textContent =
        entity || tag
          ? shown + " of " + plural(total, "event", "events") + " shown"
          : plural(total, "event", "events");
    }
    if (emptyNote) {
      emptyNote.hidden = shown !== 0;
    }
    updateAddress(entity, tag);
  }

  /* Keep the filter in the address (?entity=…&tag=…) so it can be shared. */
  function updateAddress(entity, tag) {
    if (!window.history || !history.replaceState || !window.URLSearchParams) {
      return;
    }
    try {
      var params = new URLSearchParams(window.location.search);
      if (entity) {
        params.set("entity", entity);
      } else {
        params.delete("entity");
      }
      if (tag) {
        params.set("tag", tag);
      } else {
        params.delete("tag");
      }
      var query = params.toString();
      var url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
      history.replaceState(history.state, "", url);
    } catch (err) {
      /* An address we cannot rewrite (e.g. a file: URL in some browsers) is not an error. */
    }
  }

  function selectValue(select, value) {
    if (!select || !value) {
      return;
    }
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) {
        select.value = value;
        return;
      }
    }
  }

  if (window.URLSearchParams) {
    var initial = new URLSearchParams(window.location.search);
    selectValue(entitySelect, initial.get("entity"));
    selectValue(tagSelect, initial.get("tag"));
  }

  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    apply();
  });
  form.addEventListener("reset", function () {
    /* The form's controls are reset after this event: apply once they are. */
    window.setTimeout(apply, 0);
  });

  form.hidden = false;
  apply();
})();
