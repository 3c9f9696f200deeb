// apprank's pages work without this file: it only shows a chart point's tooltip at once (and on
// keyboard focus), where the browser would show its <title> after a delay. No inline script:
// the CSP allows script-src 'self' only.
"use strict";
(function () {
  var tip = document.createElement("div");
  tip.className = "tooltip";
  tip.setAttribute("role", "tooltip");
  tip.hidden = true;
  document.addEventListener("DOMContentLoaded", function () {
    document.body.appendChild(tip);
    var marks = document.querySelectorAll("svg.chart [tabindex]");
    for (var i = 0; i < marks.length; i++) {
      var title = marks[i].querySelector("title");
      if (!title) continue;
      // Kept as the accessible name; removed as a child so the browser's own tooltip does not
      // show on top of this one.
      marks[i].setAttribute("aria-label", title.textContent);
      marks[i].dataset.tip = title.textContent;
      title.remove();
    }
  });
  function show(target, x, y) {
    tip.textContent = target.dataset.tip;
    tip.hidden = false;
    var left = Math.min(x + 12, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 4);
    tip.style.left = Math.max(window.scrollX + 4, left) + "px";
    tip.style.top = (y - tip.offsetHeight - 10) + "px";
  }
  function mark(event) {
    var target = event.target;
    return target && target.closest ? target.closest("svg.chart [data-tip]") : null;
  }
  document.addEventListener("pointerover", function (event) {
    var target = mark(event);
    if (target) show(target, event.pageX, event.pageY);
  });
  document.addEventListener("pointermove", function (event) {
    var target = mark(event);
    if (target) show(target, event.pageX, event.pageY);
  });
  document.addEventListener("pointerout", function (event) {
    if (mark(event)) tip.hidden = true;
  });
  document.addEventListener("focusin", function (event) {
    var target = mark(event);
    if (!target) return;
    var box = target.getBoundingClientRect();
    show(target, box.left + window.scrollX, box.top + window.scrollY);
  });
  document.addEventListener("focusout", function () { tip.hidden = true; });
})();
