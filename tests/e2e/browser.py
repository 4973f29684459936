#!/usr/bin/python3
"""A headless Chromium with a WebAuthn virtual authenticator, driving the
web gate's page as a person would (tests/e2e/webvpn.sh).

  browser.py [OPTIONS] enroll URL TOKEN        enroll a key with an invitation on a
                                               pending sign-in's page, then sign in
  browser.py [OPTIONS] signin URL              sign in on a pending sign-in's page
  browser.py [OPTIONS] approve URL USER        approve a remote desktop sign-in
  browser.py [OPTIONS] session                 commands from standard input, one
                                               browser for all of them

Each prints the page's #status text. Session commands, one a line:
  authenticator ctap2|u2f      a new virtual authenticator (replaces the last)
  enroll URL TOKEN
  signin URL
  approve URL USER             the gate's approval page: the user name typed,
                               the button pressed, the key touched
  has URL ID                   "yes" when the page at URL has an element ID
  signin-any URL               sign in with any key the authenticator holds
                               (not only the user's)
  replay URL                   sign in, then post the same response again:
                               prints both answers, "first | second"
  export FILE                  the authenticator's credentials (with private
                               keys: the virtual key is a test key) as JSON

Options: --spki B64 (the gate certificate's SPKI hash: trusted without
turning WebAuthn off), --map HOST (resolved to 127.0.0.1; may repeat),
--profile DIR (a throwaway profile), --state FILE (credentials kept across
runs of the one-shot forms).
"""
import argparse
import json
import signal
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

WAIT = 30  # seconds for a page step; the gate answers at once


def start(args):
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    rules = ", ".join("MAP %s 127.0.0.1" % h for h in args.map)
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--no-first-run", "--disable-breakpad", "--disable-crash-reporter",
              "--user-data-dir=" + args.profile,
              "--ignore-certificate-errors-spki-list=" + args.spki,
              "--host-resolver-rules=" + rules]:
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    d.set_page_load_timeout(WAIT)
    d.set_script_timeout(WAIT)
    d.execute_cdp_cmd("WebAuthn.enable", {"enableUI": False})
    return d


class Browser:
    def __init__(self, args):
        self.d = start(args)
        self.auth = None

    def authenticator(self, kind):
        if self.auth is not None:
            self.d.execute_cdp_cmd("WebAuthn.removeVirtualAuthenticator",
                                   {"authenticatorId": self.auth})
        opts = {"transport": "usb", "automaticPresenceSimulation": True}
        if kind == "u2f":
            opts.update(protocol="u2f", hasResidentKey=False, hasUserVerification=False)
        else:
            opts.update(protocol="ctap2", ctap2Version="ctap2_1", hasResidentKey=True,
                        hasUserVerification=True, isUserVerified=True)
        r = self.d.execute_cdp_cmd("WebAuthn.addVirtualAuthenticator", {"options": opts})
        self.auth = r["authenticatorId"]
        return "authenticator " + kind

    def credentials(self):
        return self.d.execute_cdp_cmd("WebAuthn.getCredentials",
                                      {"authenticatorId": self.auth})["credentials"]

    def load(self, creds):
        for c in creds:
            self.d.execute_cdp_cmd("WebAuthn.addCredential",
                                   {"authenticatorId": self.auth, "credential": c})

    def status(self, busy=("", "Touch your security key.")):
        end = time.time() + WAIT
        while time.time() < end:
            t = self.d.find_element(By.ID, "status").text.strip()
            if t not in busy:
                return t
            time.sleep(0.1)
        return "(no answer from the page)"

    # Enrollment inside the VPN's pending sign-in: the invitation, a touch to
    # make the key, and one more touch that signs in with it.
    ENROLLING = ("", "Touch your security key.", "Key enrolled. Touch it once more to sign in.")

    def enroll(self, url, token):
        self.d.get(url)
        end = time.time() + WAIT
        while not self.d.find_element(By.ID, "enroll").is_displayed():
            t = self.d.find_element(By.ID, "status").text.strip()
            if t or time.time() > end:
                return t or "(no answer from the page)"
            time.sleep(0.1)
        self.d.find_element(By.ID, "invitation").send_keys(token)
        self.d.find_element(By.ID, "enroll").click()
        return self.status(self.ENROLLING)

    def approve(self, url, user):
        self.d.get(url)
        self.d.find_element(By.ID, "user").send_keys(user)
        self.d.find_element(By.ID, "approve").click()
        return self.status()

    def has(self, url, element):
        self.d.get(url)
        return "yes" if self.d.find_elements(By.ID, element) else "no"

    def open_signin(self, url):
        """The page, up to the button: None when it shows the button, else its status."""
        self.d.get(url)
        end = time.time() + WAIT
        while time.time() < end:
            if self.d.find_element(By.ID, "signin").is_displayed():
                return None
            t = self.d.find_element(By.ID, "status").text.strip()
            if t:
                return t
            time.sleep(0.1)
        return "(no answer from the page)"

    def signin(self, url):
        shown = self.open_signin(url)
        if shown is not None:
            return shown
        self.d.find_element(By.ID, "signin").click()
        return self.status()

    # The page posts the response once; keep a copy of what it posted.
    KEEP = """
      const orig = window.fetch;
      window.fetch = (path, init) => {
        if (path === "/api/get") window.__sent = init.body;
        return orig(path, init);
      };"""
    AGAIN = """
      const done = arguments[arguments.length - 1];
      fetch("/api/get", {method: "POST", headers: {"Content-Type": "application/json"},
                         body: window.__sent})
        .then((r) => r.json()).then((j) => done(j.message || j.result))
        .catch((e) => done("error " + e));"""

    # The page asks for the user's credentials only; ask the authenticator
    # for any of its keys instead (another user's key on this page).
    ANY = """
      const ids = arguments[0].map((b) => Uint8Array.from(atob(b), (c) => c.charCodeAt(0)));
      const get = navigator.credentials.get.bind(navigator.credentials);
      navigator.credentials.get = (o) => {
        o.publicKey.allowCredentials = ids.map((id) => ({type: "public-key", id: id}));
        return get(o);
      };"""

    def signin_any(self, url):
        shown = self.open_signin(url)
        if shown is not None:
            return shown
        self.d.execute_script(self.ANY, [c["credentialId"] for c in self.credentials()])
        self.d.find_element(By.ID, "signin").click()
        return self.status()

    def replay(self, url):
        shown = self.open_signin(url)
        if shown is not None:
            return shown
        self.d.execute_script(self.KEEP)
        self.d.find_element(By.ID, "signin").click()
        first = self.status()
        return first + " | " + self.d.execute_async_script(self.AGAIN)

    def run(self, words):
        cmd, rest = words[0], words[1:]
        if cmd == "authenticator" and len(rest) == 1:
            return self.authenticator(rest[0])
        if cmd == "enroll" and len(rest) == 2:
            return self.enroll(*rest)
        if cmd == "signin" and len(rest) == 1:
            return self.signin(rest[0])
        if cmd == "approve" and len(rest) == 2:
            return self.approve(*rest)
        if cmd == "has" and len(rest) == 2:
            return self.has(*rest)
        if cmd == "signin-any" and len(rest) == 1:
            return self.signin_any(rest[0])
        if cmd == "replay" and len(rest) == 1:
            return self.replay(rest[0])
        if cmd == "export" and len(rest) == 1:
            with open(rest[0], "w") as f:
                json.dump(self.credentials(), f)
            return "exported %d" % len(self.credentials())
        return "usage: unknown command " + " ".join(words)

    def quit(self):
        self.d.quit()


def main():
    # TERM ends the run through the finally below, which stops the browser.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    p = argparse.ArgumentParser()
    p.add_argument("--spki", required=True)
    p.add_argument("--map", action="append", default=[])
    p.add_argument("--profile", required=True)
    p.add_argument("--state")
    p.add_argument("--authenticator", default="ctap2")
    p.add_argument("words", nargs="+")
    args = p.parse_args()
    b = Browser(args)
    try:
        if args.words == ["session"]:
            b.authenticator(args.authenticator)
            for line in sys.stdin:
                words = line.split()
                if not words:
                    continue
                try:
                    out = b.run(words)
                except WebDriverException as e:
                    out = "(browser error: %s)" % e.msg
                if "did not answer" in out:  # the page's JavaScript failed: say why
                    for e in b.d.get_log("browser")[-3:]:
                        sys.stderr.write("console: %s\n" % e.get("message"))
                print(out.replace("\n", " "), flush=True)
            return 0
        b.authenticator(args.authenticator)
        if args.state:
            try:
                with open(args.state) as f:
                    b.load(json.load(f))
            except FileNotFoundError:
                pass
        print(b.run(args.words))
        if args.state:
            with open(args.state, "w") as f:
                json.dump(b.credentials(), f)
        return 0
    finally:
        b.quit()


if __name__ == "__main__":
    sys.exit(main())
