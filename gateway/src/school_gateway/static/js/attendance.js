// Attendance page: keep the counts at the top in step with the taps (the form works without this).
(function () {
  "use strict";
  var form = document.getElementById("attendance-form");
  if (!form) { return; }
  function update() {
    var totals = { present: 0, late: 0, excused: 0, unexcused: 0 };
    var rows = form.querySelectorAll("[data-testid='attendance-row']");
    rows.forEach(function (row) {
      var checked = row.querySelector("input[type='radio']:checked");
      var mark = checked ? checked.value : "present";
      totals[mark] = (totals[mark] || 0) + 1;
    });
    var set = function (id, value) {
      var node = document.querySelector("[data-testid='" + id + "']");
      if (node) { node.textContent = String(value); }
    };
    set("count-enrolled", rows.length);
    set("count-present", totals.present + totals.late);
    set("count-excused", totals.excused);
    set("count-unexcused", totals.unexcused);
  }
  form.addEventListener("change", update);
})();
