/* The series' own script (site/README.md). pydata-sphinx-theme loads searchtools.js on every page, so
   Sphinx's sphinx_highlight.js believes each page is the search page and does not highlight the words a
   reader just searched for. Do it here, on every page but the search page itself. */
document.addEventListener("DOMContentLoaded", () => {
  if (!document.getElementById("search-results") && typeof SphinxHighlight !== "undefined") {
    SphinxHighlight.highlightSearchWords();
  }
  // The language switch on the search page keeps the query: the same search in the other edition.
  if (document.getElementById("search-results") && window.location.search) {
    document.querySelectorAll("a.series-language-switch").forEach((a) => {
      a.search = window.location.search;
    });
  }
});
