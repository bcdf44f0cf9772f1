// The dashboard's unit tree: a button per parent row shows or hides the rows below it.
// Without JavaScript the buttons stay hidden and the «Show all levels» link works instead.
(function () {
  "use strict";

  function setOpen(button, open) {
    button.setAttribute("aria-expanded", String(open));
    button.getAttribute("aria-controls").split(" ").forEach(function (id) {
      var row = document.getElementById(id);
      if (!row) {
        return;
      }
      row.hidden = !open;
      // Closing a unit also closes everything below it.
      var inner = row.querySelector("button[data-tree-toggle]");
      if (!open && inner && inner.getAttribute("aria-expanded") === "true") {
        setOpen(inner, false);
      }
    });
  }

  document.querySelectorAll("button[data-tree-toggle]").forEach(function (button) {
    button.closest("table").classList.add("js-tree");
    button.hidden = false;
    button.addEventListener("click", function () {
      setOpen(button, button.getAttribute("aria-expanded") !== "true");
    });
  });

  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
