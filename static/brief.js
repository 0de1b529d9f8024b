/* brief — the theme's script: progressive enhancement only, no dependencies.
   Every page works without it.

   1. Timeline filter. Reveals the filter form of the timeline page and hides
      the events that do not match the chosen entity and topic, then the months
      and years left empty. Without this script the whole timeline is shown.
      Does nothing on pages without the form.
   2. Citation cards. A citation is a link to its numbered reference
      (`<a class="cite-link" href="#ref-N" data-locator="…">`); on pointer
      hover and keyboard focus this shows one shared card (role="tooltip")
      with the title, publisher and date read from that reference entry of the
      same page, plus the locator of that use. Without this script the link
      simply goes to the reference, which has all the details. */

/* 1. Timeline filter. */
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

/* 2. Citation cards. */
(function () {
  "use strict";

  if (!document.addEventListener || !document.getElementById || !document.createElement) {
    return;
  }

  var CARD_ID = "cite-card";
  var MARGIN = 8; /* px kept free between the card and the viewport edges */
  var GAP = 8; /* px between the card and the citation (clear of the focus ring) */
  var HIDE_DELAY = 200; /* ms: time to move the pointer from the link onto the card */

  var card = null; /* the card element, made on first use */
  var current = null; /* the link whose card is shown */
  var hovered = false;
  var focused = false;
  var hideTimer = null;
  var lastTouch = 0; /* time of the last touch: a tap follows the link, no card */

  function hasClass(el, name) {
    return (" " + (el.className || "") + " ").indexOf(" " + name + " ") !== -1;
  }

  /* The citation link an event target is in, or null. */
  function citeLink(node) {
    while (node && node.nodeType === 1) {
      if (node.nodeName === "A" && hasClass(node, "cite-link")) {
        return node;
      }
      node = node.parentNode;
    }
    return null;
  }

  function textOf(root, selector) {
    var el = root.querySelector(selector);
    return el ? el.textContent.replace(/\s+/g, " ").replace(/^ | $/g, "") : "";
  }

  /* The reference entry the link points to (`#ref-N` on this page). */
  function reference(link) {
    var href = link.getAttribute("href") || "";
    if (href.charAt(0) !== "#") {
      return null;
    }
    var id;
    try {
      id = decodeURIComponent(href.slice(1));
    } catch (err) {
      return null;
    }
    return id ? document.getElementById(id) : null;
  }

  function line(className, text) {
    var span = document.createElement("span");
    span.className = className;
    span.textContent = text;
    return span;
  }

  /* Fills the card from the reference entry; false if there is nothing to show. */
  function fill(link) {
    var ref = reference(link);
    if (!ref) {
      return false;
    }
    var title = textOf(ref, ".ref-title");
    if (!title) {
      return false;
    }
    var meta = [];
    var publisher = textOf(ref, ".publisher");
    var date = textOf(ref, ".published time");
    if (publisher) {
      meta.push(publisher);
    }
    if (date) {
      meta.push(date);
    }
    var locator = link.getAttribute("data-locator");
    while (card.firstChild) {
      card.removeChild(card.firstChild);
    }
    card.appendChild(line("cite-card-title", title));
    if (meta.length) {
      card.appendChild(line("cite-card-meta", meta.join(", ")));
    }
    if (locator) {
      card.appendChild(line("cite-card-locator", locator));
    }
    return true;
  }

  function makeCard() {
    card = document.createElement("div");
    card.id = CARD_ID;
    card.className = "cite-card";
    card.setAttribute("role", "tooltip");
    card.hidden = true;
    /* The pointer may rest on the card without it going away. */
    card.addEventListener("mouseenter", function () {
      hovered = true;
      cancelHide();
    });
    card.addEventListener("mouseleave", function () {
      hovered = false;
      scheduleHide();
    });
    document.body.appendChild(card);
  }

  /* Above the citation if it fits, else below; never outside the viewport. */
  function place(link) {
    var doc = document.documentElement;
    var viewWidth = doc.clientWidth || window.innerWidth;
    var viewHeight = window.innerHeight || doc.clientHeight;
    var scrollX = window.pageXOffset || doc.scrollLeft || 0;
    var scrollY = window.pageYOffset || doc.scrollTop || 0;
    /* The stylesheet caps the width; the viewport may cap it further. */
    card.style.maxWidth = "min(26rem, " + Math.max(0, viewWidth - 2 * MARGIN) + "px)";
    card.style.left = "0px";
    card.style.top = "0px";
    var rect = link.getBoundingClientRect();
    var width = card.offsetWidth;
    var height = card.offsetHeight;
    var left = rect.left + rect.width / 2 - width / 2;
    left = Math.min(left, viewWidth - MARGIN - width);
    left = Math.max(left, MARGIN);
    var top = rect.top - GAP - height;
    if (top < MARGIN) {
      /* No room above: below, when it fits there or there is more room there. */
      var below = rect.bottom + GAP;
      if (below + height <= viewHeight - MARGIN || viewHeight - below > rect.top) {
        top = below;
      }
    }
    card.style.left = Math.round(left + scrollX) + "px";
    card.style.top = Math.round(top + scrollY) + "px";
  }

  function show(link) {
    cancelHide();
    if (!card) {
      makeCard();
    }
    if (current === link && !card.hidden) {
      return;
    }
    hide();
    if (!fill(link)) {
      return;
    }
    current = link;
    card.hidden = false;
    place(link);
    link.setAttribute("aria-describedby", CARD_ID);
  }

  function hide() {
    cancelHide();
    if (current) {
      current.removeAttribute("aria-describedby");
      current = null;
    }
    if (card) {
      card.hidden = true;
    }
  }

  function cancelHide() {
    if (hideTimer !== null) {
      window.clearTimeout(hideTimer);
      hideTimer = null;
    }
  }

  function scheduleHide() {
    cancelHide();
    hideTimer = window.setTimeout(function () {
      hideTimer = null;
      if (!hovered && !focused) {
        hide();
      }
    }, HIDE_DELAY);
  }

  function recentTouch() {
    return new Date().getTime() - lastTouch < 1000;
  }

  if (window.PointerEvent) {
    document.addEventListener("pointerdown", function (event) {
      if (event.pointerType === "touch") {
        lastTouch = new Date().getTime();
      }
    }, true);
  } else {
    document.addEventListener("touchstart", function () {
      lastTouch = new Date().getTime();
    }, true);
  }

  document.addEventListener("mouseover", function (event) {
    var link = citeLink(event.target);
    if (!link || recentTouch()) {
      return;
    }
    hovered = true;
    focused = document.activeElement === link;
    show(link);
  });

  document.addEventListener("mouseout", function (event) {
    var link = citeLink(event.target);
    if (!link || link !== current || citeLink(event.relatedTarget) === link) {
      return;
    }
    hovered = false;
    scheduleHide();
  });

  document.addEventListener("focusin", function (event) {
    var link = citeLink(event.target);
    if (!link || recentTouch()) {
      return;
    }
    focused = true;
    hovered = false;
    show(link);
  });

  document.addEventListener("focusout", function (event) {
    if (citeLink(event.target) !== current) {
      return;
    }
    focused = false;
    if (!hovered) {
      hide();
    }
  });

  document.addEventListener("keydown", function (event) {
    var key = event.key || event.keyCode;
    if (current && (key === "Escape" || key === "Esc" || key === 27)) {
      hovered = false;
      focused = false;
      hide();
    }
  });

  /* Following the link (to the reference) or resizing ends the card. */
  document.addEventListener("click", function (event) {
    if (citeLink(event.target)) {
      hovered = false;
      focused = false;
      hide();
    }
  });
  window.addEventListener("resize", hide);
})();
