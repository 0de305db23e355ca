// Progressive enhancement only: every page works without it.
// Only the GOV.UK Frontend components the portal uses are bundled, so a phone downloads no more.
import {
  Button,
  CharacterCount,
  Checkboxes,
  createAll,
  ErrorSummary,
  NotificationBanner,
  PasswordInput,
  Radios,
  ServiceNavigation,
  SkipLink,
} from "govuk-frontend";
import { initTimeoutWarning } from "./timeout_warning.mjs";

// The GOV.UK Frontend components with a data-module on the portal's pages.
const COMPONENTS = [
  Button,
  CharacterCount,
  Checkboxes,
  ErrorSummary,
  NotificationBanner,
  PasswordInput,
  Radios,
  ServiceNavigation,
  SkipLink,
];

for (const Component of COMPONENTS) createAll(Component);
initTimeoutWarning(document.querySelector("[data-timeout-warning]"));

// A print button where a page is laid out to print; without JavaScript the page says how.
for (const button of document.querySelectorAll("[data-print-page]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
