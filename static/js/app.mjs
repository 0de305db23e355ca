// Progressive enhancement only: every page works without it.
import { initAll } from "../dist/govuk-frontend.min.js";
import { initTimeoutWarning } from "./timeout_warning.mjs";

initAll();
initTimeoutWarning(document.querySelector("[data-timeout-warning]"));
