// Filing form: "Add a line" and "Remove line N" in place, without a round trip. Without
// JavaScript the same buttons post the form, and the server sends it back with a row more
// or less (web/request_form.py); this script only saves that trip. Rows are renumbered so
// that the names the server reads (lines-<row>-<field>) stay in order.
(function () {
  "use strict";
  // A refused filing: bring the summary of its problems into view and to the keyboard.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
  const form = document.querySelector("form.request-form");
  if (!form) return;
  const box = form.querySelector(".lines");
  const count = form.querySelector('input[name="line_count"]');
  const adder = form.querySelector('button[value="add"]');

  function renumber() {
    const rows = box.querySelectorAll("fieldset.line");
    rows.forEach(function (row, index) {
      row.dataset.row = String(index);
      row.querySelector("legend").textContent = "Line " + (index + 1);
      row.querySelectorAll("[id^='lines-'], [name^='lines-'], label[for^='lines-']").forEach(function (el) {
        ["id", "name", "for"].forEach(function (attribute) {
          const value = el.getAttribute(attribute);
          if (value) el.setAttribute(attribute, value.replace(/^lines-\d+-/, "lines-" + index + "-"));
        });
      });
      row.querySelectorAll(".visually-hidden").forEach(function (el) {
        el.textContent = "Line " + (index + 1) + " ";
      });
      let remove = row.querySelector(".remove-line");
      if (!remove) {
        remove = document.createElement("button");
        remove.type = "submit";
        remove.name = "change";
        remove.className = "secondary remove-line";
        row.appendChild(remove);
      }
      remove.value = "remove-" + index;
      remove.textContent = "Remove line " + (index + 1);
      remove.hidden = rows.length === 1;
    });
    count.value = String(rows.length);
  }

  function blank(row) {
    row.querySelectorAll("input, select").forEach(function (el) {
      if (el.tagName === "SELECT") el.selectedIndex = 0; else el.value = "";
      el.removeAttribute("aria-invalid");
      const hint = (el.getAttribute("aria-describedby") || "").includes("dates-hint");
      if (hint) el.setAttribute("aria-describedby", "dates-hint"); else el.removeAttribute("aria-describedby");
    });
    row.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
    row.querySelectorAll(".invalid").forEach(function (el) { el.classList.remove("invalid"); });
  }

  adder.addEventListener("click", function (event) {
    event.preventDefault();
    const rows = box.querySelectorAll("fieldset.line");
    const row = rows[rows.length - 1].cloneNode(true);
    blank(row);
    box.appendChild(row);
    renumber();
    row.querySelector("select, input").focus();
  });

  box.addEventListener("click", function (event) {
    const remove = event.target.closest(".remove-line");
    if (!remove) return;
    event.preventDefault();
    const rows = box.querySelectorAll("fieldset.line");
    if (rows.length === 1) return;
    const row = remove.closest("fieldset.line");
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    renumber();
    next.querySelector("select, input").focus();
  });
})();
