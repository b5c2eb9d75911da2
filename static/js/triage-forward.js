/* Triage: choosing a category in the forward form preselects its routed department
   (the supervisor may still change it). Data from json_script #category-departments. */
(function () {
  "use strict";
  var form = document.getElementById("forward-form");
  var dataNode = document.getElementById("category-departments");
  if (!form || !dataNode) { return; }
  var routing = JSON.parse(dataNode.textContent);
  var category = form.querySelector("select[name=category]");
  var department = form.querySelector("select[name=department]");
  if (!category || !department) { return; }
  category.addEventListener("change", function () {
    var target = routing[category.value];
    if (target) { department.value = String(target); }
  });
}());
