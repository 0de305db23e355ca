// The GOV.UK timeout warning: a dialog before a signed-in session ends for want of use, with
// "Stay signed in". Another tab may have kept the session alive, so the server is asked how
// long is left before warning, and again before saying the session has ended. When it has,
// the page is left as it is: what the person typed is kept when they send it.

const ONE_MINUTE = 60 * 1000;

function inWords(milliseconds) {
  const seconds = Math.max(0, Math.ceil(milliseconds / 1000));
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60);
    return minutes === 1 ? "1 minute" : `${minutes} minutes`;
  }
  return seconds === 1 ? "1 second" : `${seconds} seconds`;
}

async function askServer(url, options = {}) {
  try {
    const response = await fetch(url, {
      credentials: "same-origin",
      ...options,
      headers: { Accept: "application/json", ...(options.headers || {}) },
    });
    return await response.json();
  } catch {
    return null; // offline for a moment: keep counting down on what we know
  }
}

export function initTimeoutWarning(dialog) {
  if (!dialog || typeof dialog.showModal !== "function") return;
  const warnFor = Number(dialog.dataset.warnSeconds) * 1000;
  const countdown = dialog.querySelector("[data-timeout-countdown]");
  const announce = dialog.querySelector("[data-timeout-announce]");
  const warning = dialog.querySelector('[data-timeout-state="warning"]');
  const ended = dialog.querySelector('[data-timeout-state="ended"]');
  let endsAt = Date.now() + Number(dialog.dataset.secondsLeft) * 1000;
  let timer = null;
  let ticker = null;
  let lastAnnounced = null;

  const left = () => endsAt - Date.now();

  function stopCounting() {
    clearTimeout(timer);
    clearInterval(ticker);
  }

  function waitToWarn() {
    stopCounting();
    timer = setTimeout(checkThenWarn, Math.max(0, left() - warnFor));
  }

  function update(status) {
    if (status && status.signed_in) endsAt = Date.now() + status.seconds_left * 1000;
    return !status || status.signed_in;
  }

  async function checkThenWarn() {
    if (!update(await askServer(dialog.dataset.statusUrl))) return showEnded();
    if (left() > warnFor + 1000) return waitToWarn();
    showWarning();
  }

  function tick() {
    countdown.textContent = inWords(left());
    // Screen readers hear the time once a minute, not every second.
    const minute = Math.ceil(left() / ONE_MINUTE);
    if (minute !== lastAnnounced) {
      lastAnnounced = minute;
      announce.textContent = `We will sign you out in ${inWords(left())}.`;
    }
    if (left() <= 0) {
      stopCounting();
      checkAtTheEnd();
    }
  }

  async function checkAtTheEnd() {
    const status = await askServer(dialog.dataset.statusUrl);
    if (status && status.signed_in && status.seconds_left > 0) {
      update(status);
      if (left() > warnFor) {
        dialog.close();
        return waitToWarn();
      }
      return showWarning();
    }
    showEnded();
  }

  function showWarning() {
    warning.hidden = false;
    ended.hidden = true;
    dialog.setAttribute("aria-labelledby", "timeout-warning-heading");
    dialog.setAttribute("aria-describedby", "timeout-warning-text");
    lastAnnounced = null;
    if (!dialog.open) dialog.showModal();
    stopCounting();
    tick();
    ticker = setInterval(tick, 1000);
  }

  function showEnded() {
    stopCounting();
    warning.hidden = true;
    ended.hidden = false;
    dialog.setAttribute("aria-labelledby", "timeout-ended-heading");
    dialog.setAttribute("aria-describedby", "timeout-ended-text");
    // Back to this page after signing in (the page itself names it, so the server need not).
    const signIn = dialog.querySelector("[data-timeout-sign-in]");
    signIn.search = new URLSearchParams({ next: location.pathname + location.search }).toString();
    if (!dialog.open) dialog.showModal();
    dialog.querySelector("[data-timeout-close]").focus();
  }

  async function staySignedIn() {
    const status = await askServer(dialog.dataset.stayUrl, {
      method: "POST",
      headers: { "X-CSRFToken": dialog.dataset.csrfToken },
    });
    if (!status || !status.signed_in) return showEnded();
    update(status);
    dialog.close();
    waitToWarn();
  }

  dialog.querySelector("[data-timeout-stay]").addEventListener("click", staySignedIn);
  dialog.querySelector("[data-timeout-close]").addEventListener("click", () => dialog.close());
  // Escape while warned means "stay signed in", as closing the warning would.
  dialog.addEventListener("cancel", (event) => {
    if (!warning.hidden) {
      event.preventDefault();
      staySignedIn();
    }
  });
  waitToWarn();
}
