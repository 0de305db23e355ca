// Progressive enhancement only: every page works without it.
import { initAll } from "../dist/govuk-frontend.min.js";
import { initTimeoutWarning } from "./timeout_warning.mjs";

initAll();
initTimeoutWarning(document.querySelector("[data-timeout-warning]"));

// A print button where a page is laid out to print; without JavaScript the page says how.
for (const button of document.querySelectorAll("[data-print-page]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
