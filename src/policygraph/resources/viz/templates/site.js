// policygraph serve: sortable and filterable tables. Reads cell text with textContent only.
(function () {
  "use strict";
  function cellValue(row, index) {
    var text = row.cells[index] ? row.cells[index].textContent.trim() : "";
    var number = Number(text.replace(/,/g, ""));
    return text !== "" && !isNaN(number) ? number : text;
  }
  // Each heading's text goes into a <button> (focusable, pressed with Enter or Space); the heading
  // says how the rows are sorted in aria-sort.
  document.querySelectorAll("table.pg-sortable").forEach(function (table) {
    var headings = table.querySelectorAll("thead th");
    headings.forEach(function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "pg-sort";
      button.title = "並べ替え sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      // on the heading: a click anywhere in it sorts (the button's own click, by mouse or key, reaches it too)
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headings.forEach(function (other) { other.removeAttribute("aria-sort"); delete other.dataset.sorted; });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        th.dataset.sorted = ascending ? "asc" : "desc";
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          if (typeof x === typeof y) { return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1); }
          return (typeof x === "number" ? -1 : 1) * (ascending ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  document.querySelectorAll("input.pg-filter").forEach(function (input) {
    var table = document.getElementById(input.dataset.table);
    if (!table) { return; }
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) < 0;
      });
    });
  });
}());
