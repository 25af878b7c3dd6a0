// Typeahead for the search box of every page: the names /suggest proposes
// for what is typed, as the input's datalist. Without this script the box
// still submits to /search.
"use strict";
(function () {
  const input = document.getElementById("site-search");
  const list = document.getElementById("site-search-suggestions");
  if (!input || !list) return;
  let timer = null;
  let asked = "";
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(async function () {
      const prefix = input.value.trim();
      if (prefix.length < 2 || prefix === asked) return;
      asked = prefix;
      try {
        const response = await fetch("/suggest?prefix=" + encodeURIComponent(prefix),
          { headers: { Accept: "application/json" } });
        if (!response.ok || input.value.trim() !== prefix) return;
        const body = await response.json();
        list.replaceChildren(...body.results.map(function (r) {
          const option = document.createElement("option");
          option.value = r.name;
          if (r.matched_name) option.label = r.name + " (" + r.matched_name + ")";
          return option;
        }));
      } catch (e) {
        // The box works without suggestions.
      }
    }, 120);
  });
})();
