// The dashboard's unit tree: a button per parent row shows or hides the rows below it.
// Rows that are not on the page yet are fetched from the button's data-rows-url (an
// HTML fragment of <tr> elements) the first time the unit is opened. Without
// JavaScript the buttons stay hidden and each unit's link opens or closes it instead
// (the page again, with ?open=…); «Show all levels» shows everything.
(function () {
  "use strict";

  // Show the buttons (and hide the no-JavaScript links) of the rows inside `root`.
  function enhance(root) {
    root.querySelectorAll("a[data-tree-link]").forEach(function (link) {
      link.hidden = true;
    });
    root.querySelectorAll("button[data-tree-toggle]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function controlledRows(button) {
    var ids = (button.getAttribute("aria-controls") || "").split(" ").filter(Boolean);
    return ids.map(function (id) {
      return document.getElementById(id);
    }).filter(Boolean);
  }

  function close(button) {
    button.setAttribute("aria-expanded", "false");
    controlledRows(button).forEach(function (row) {
      row.hidden = true;
      // Closing a unit also closes everything below it.
      var inner = row.querySelector("button[data-tree-toggle]");
      if (inner && inner.getAttribute("aria-expanded") === "true") {
        close(inner);
      }
    });
  }

  function show(button) {
    button.setAttribute("aria-expanded", "true");
    controlledRows(button).forEach(function (row) {
      row.hidden = false;
    });
  }

  // Fetch the rows below the button's unit, put them after its row, then show them.
  function load(button) {
    var row = button.closest("tr");
    var table = button.closest("table");
    button.setAttribute("aria-busy", "true");
    table.setAttribute("aria-busy", "true");
    fetch(button.getAttribute("data-rows-url"), {
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html.trim();
        var rows = Array.prototype.slice.call(template.content.querySelectorAll("tr"));
        rows.forEach(function (child) {
          enhance(child);
        });
        row.after.apply(row, rows);
        button.setAttribute(
          "aria-controls",
          rows.map(function (child) {
            return child.id;
          }).join(" ")
        );
        show(button);
      })
      .catch(function () {
        // Fall back to the page with the unit opened (the no-JavaScript link).
        var link = row.querySelector("a[data-tree-link]");
        if (link) {
          window.location.href = link.href;
        }
      })
      .finally(function () {
        button.removeAttribute("aria-busy");
        table.removeAttribute("aria-busy");
      });
  }

  document.querySelectorAll("table").forEach(function (table) {
    if (!table.querySelector("button[data-tree-toggle]")) {
      return;
    }
    table.classList.add("js-tree");
    enhance(table);
    table.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-tree-toggle]");
      if (!button || button.getAttribute("aria-busy") === "true") {
        return;
      }
      if (button.getAttribute("aria-expanded") === "true") {
        close(button);
      } else if (button.hasAttribute("aria-controls")) {
        show(button);
      } else {
        load(button);
      }
    });
  });

  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
