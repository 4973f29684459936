// The web gate's page: same-origin only, no third-party code (doc/ARCHITECTURE.md §4.8).
// The pending id comes from the path (the approval page: from its options); user names never
// appear in a URL.
"use strict";

function b64urlToBytes(s) {
  const b = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

function bytesToB64url(buf) {
  const bytes = new Uint8Array(buf);
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function say(text) {
  document.getElementById("status").textContent = text;
}

async function post(path, body) {
  const res = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  return res.json();
}

function refused(answer) {
  return answer.result !== undefined && answer.result !== "ok";
}

// The key's answer to request options, sent with the pending id; the gate's answer.
async function getAssertion(pending, options) {
  const pk = options.publicKey;
  pk.challenge = b64urlToBytes(pk.challenge);
  pk.allowCredentials = pk.allowCredentials.map((c) => ({ type: c.type, id: b64urlToBytes(c.id) }));
  say("Touch your security key.");
  const cred = await navigator.credentials.get({ publicKey: pk });
  const r = cred.response;
  const answer = await post("/api/get", {
    pending: pending,
    id: cred.id,
    rawId: bytesToB64url(cred.rawId),
    type: cred.type,
    response: {
      clientDataJSON: bytesToB64url(r.clientDataJSON),
      authenticatorData: bytesToB64url(r.authenticatorData),
      signature: bytesToB64url(r.signature),
      userHandle: r.userHandle ? bytesToB64url(r.userHandle) : "",
    },
  });
  return answer;
}

async function signIn(pending, options) {
  const answer = await getAssertion(pending, options);
  say(answer.result === "ok" ? "Signed in." : answer.message);
}

async function showSignIn(pending) {
  const options = await post("/api/options", { pending: pending });
  if (refused(options)) {
    say(options.message);
    return null;
  }
  document.getElementById("service").textContent = options.service;
  document.getElementById("user-shown").textContent = options.user;
  document.getElementById("client-address").textContent = options.client_address;
  document.getElementById("created").textContent = options.created;
  document.getElementById("signin-section").hidden = false;
  return options;
}

async function startSignIn(pending) {
  const options = await showSignIn(pending);
  if (options === null) return;
  document.getElementById("enroll-section").hidden = false;
  const button = document.getElementById("signin");
  const enrollButton = document.getElementById("enroll");
  button.addEventListener("click", () => {
    button.disabled = true;
    enrollButton.disabled = true;
    signIn(pending, options).catch((e) => say("The security key did not answer (" + e.name + "). Start the VPN connection again."));
  });
  enrollButton.addEventListener("click", () => {
    button.disabled = true;
    enrollButton.disabled = true;
    enroll(pending).catch((e) => say("The security key did not answer (" + e.name + "). Start the VPN connection again."));
  });
}

// Enrollment happens inside this pending sign-in, for its user only; once the
// key is on file the same sign-in asks the new key for an assertion (one more
// touch), which decides the VPN connection.
async function enroll(pending) {
  const field = document.getElementById("invitation");
  const options = await post("/api/enroll-options", { pending: pending, invitation: field.value });
  field.value = "";
  if (refused(options)) {
    say(options.message);
    if (options.result === "invalid-token") {
      document.getElementById("signin").disabled = false;
      document.getElementById("enroll").disabled = false;
    }
    return;
  }
  const pk = options.publicKey;
  pk.challenge = b64urlToBytes(pk.challenge);
  pk.user.id = b64urlToBytes(pk.user.id);
  pk.excludeCredentials = pk.excludeCredentials.map((c) => ({ type: c.type, id: b64urlToBytes(c.id) }));
  say("Touch your security key.");
  const cred = await navigator.credentials.create({ publicKey: pk });
  const answer = await post("/api/create", {
    pending: pending,
    id: cred.id,
    rawId: bytesToB64url(cred.rawId),
    type: cred.type,
    response: {
      clientDataJSON: bytesToB64url(cred.response.clientDataJSON),
      attestationObject: bytesToB64url(cred.response.attestationObject),
    },
  });
  if (answer.result !== "ok") {
    say(answer.message);
    return;
  }
  say("Key enrolled. Touch it once more to sign in.");
  const signin = await showSignIn(pending);
  if (signin !== null) await signIn(pending, signin);
}

// On the approval page a stale or misdirected approval is started again here, not at the VPN.
const approveAgain = {
  replay: "This approval was already used or has expired. Press the button again.",
  expired: "This approval has expired. Press the button again.",
  "challenge-mismatch": "The key answered another sign-in. Press the button again.",
  "address-mismatch": "Your network address changed while approving. Press the button again.",
};

async function approve() {
  const user = document.getElementById("user").value.trim();
  document.getElementById("next").textContent = "";
  if (user === "") {
    say("Type your user name, then press the button.");
    return;
  }
  const options = await post("/api/approve-options", { user: user });
  if (refused(options)) {
    say(options.message);
    return;
  }
  const answer = await getAssertion(options.pending, options);
  if (answer.result !== "ok") {
    say(approveAgain[answer.result] || answer.message);
    return;
  }
  // The status ends "Approved."; what to do next is beside it (a browser test reads both).
  say("Approved.");
  document.getElementById("next").textContent = answer.message.replace(/^Approved\.\s*/, "");
}

function startApprove() {
  const button = document.getElementById("approve");
  button.addEventListener("click", () => {
    button.disabled = true;
    approve().catch((e) => say("The security key did not answer (" + e.name + "). Press the button again."))
      .finally(() => { button.disabled = false; });
  });
}

function start() {
  if (/^\/approve\/?$/.test(location.pathname)) {
    startApprove();
    return;
  }
  const m = /^\/p\/([0-9a-f]{32})$/.exec(location.pathname);
  if (m) {
    startSignIn(m[1]).catch(() => say("The sign-in could not start. Reload the page."));
    return;
  }
  document.getElementById("connect-first").hidden = false;
}

start();
