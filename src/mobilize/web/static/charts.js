// Draws each chart whose figure the page carries as JSON (no inline scripts: the CSP allows
// only this server's files). Without scripts, the table beside each chart has the figures.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Plotly === "undefined") { return; }
  for (const element of document.querySelectorAll("[data-figure]")) {
    const source = document.getElementById(element.dataset.figure);
    if (!source) { continue; }
    const figure = JSON.parse(source.textContent);
    Plotly.newPlot(element, figure.data, figure.layout, { displaylogo: false, responsive: true });
  }
});
