// didhub portal conveniences. Every page works without this file.
(function () {
  "use strict";

  // Select all rows of the table: the header checkbox toggles every row checkbox.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches("[data-select-all]")) {
      var scope = box.closest("form") || document;
      scope.querySelectorAll("input[name='numbers']").forEach(function (row) {
        row.checked = box.checked;
      });
    }
    if (box.matches("[data-select-all], input[name='numbers'], input[name='all_matching']")) {
      var form = box.closest("form") || document;
      var count = form.querySelectorAll("input[name='numbers']:checked").length;
      var all = form.querySelector("input[name='all_matching']");
      var out = form.querySelector("[data-selected-count]");
      if (out) {
        out.textContent = all && all.checked ? out.dataset.allLabel : count + " selected";
      }
    }
  });

  // Destructive actions: confirm in a <dialog> instead of a separate confirm page.
  document.addEventListener("click", function (event) {
    var trigger = event.target.closest("[data-confirm]");
    if (!trigger || typeof HTMLDialogElement === "undefined") {
      return;
    }
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog) {
      return;
    }
    event.preventDefault();
    dialog.querySelector("[data-confirm-text]").textContent = trigger.dataset.confirm;
    var form = dialog.querySelector("form");
    form.action = trigger.dataset.confirmAction || trigger.getAttribute("href");
    dialog.showModal();
  });

  // Close a message.
  document.addEventListener("click", function (event) {
    if (event.target.matches("[data-dismiss]")) {
      event.target.closest(".toast").remove();
    }
  });

  // Dual list boxes: move DIDs between Unassigned and Assigned (a target's numbers).
  document.addEventListener("click", function (event) {
    var mover = event.target.closest("[data-move]");
    if (!mover) {
      return;
    }
    event.preventDefault();
    var root = mover.closest(".duallist");
    var from = root.querySelector(mover.dataset.move === "right" ? "[data-left]" : "[data-right]");
    var to = root.querySelector(mover.dataset.move === "right" ? "[data-right]" : "[data-left]");
    Array.from(from.selectedOptions).forEach(function (option) {
      option.selected = false;
      to.appendChild(option);
    });
  });
  document.addEventListener("submit", function (event) {
    event.target.querySelectorAll("[data-right]").forEach(function (select) {
      Array.from(select.options).forEach(function (option) { option.selected = true; });
    });
    event.target.querySelectorAll("[data-left]").forEach(function (select) {
      Array.from(select.options).forEach(function (option) { option.selected = false; });
    });
  });
})();
