// The live view of a plan job: asks for its figures every second until it is over, then
// moves on to the plan (without scripts the page reloads itself and offers a link).
"use strict";
(() => {
  const live = document.getElementById("live");
  if (!live) { return; }
  const show = (id, value) => {
    const element = document.getElementById(id);
    if (element) { element.textContent = value === undefined || value === null ? "–" : String(value); }
  };
  const operation = live.dataset.operation;
  const tick = async () => {
    const response = await fetch(live.dataset.statusUrl, { credentials: "same-origin" });
    if (!response.ok) { return; }
    const job = await response.json();
    const view = job.view || {};
    show("job-status", job.status);
    show("job-status-words", view.status && view.status !== job.status ? `(${view.status})` : "");
    show("job-working-on", view.working_on);
    show("job-left", view.seconds_left === null ? null : `about ${view.seconds_left} s`);
    show("job-short", view.best_short === null ? null : `${view.best_short.toLocaleString("en-US")} person-days short`);
    show("job-gap", view.gap_percent);
    const bar = document.getElementById("job-progress");
    if (bar) { bar.value = view.used || 0; }
    if (view.running) {
      setTimeout(tick, 1000);
      return;
    }
    const stop = document.getElementById("job-stop");
    if (stop) { stop.remove(); }
    const result = document.getElementById("job-result");
    if (view.plan) {
      const target = `/operations/${encodeURIComponent(operation)}/plans/${view.plan}`;
      const link = document.createElement("a");
      link.href = target;
      link.dataset.testid = "job-plan";
      link.textContent = `Plan ${view.plan} is ready: read it`;
      result.replaceChildren(link);
      setTimeout(() => { window.location.assign(target); }, 1500);
    } else if (job.error) {
      result.textContent = job.error;
    }
  };
  setTimeout(tick, 500);
})();
