"""A real IMAP server for the tests: Debian's Dovecot, started in the foreground on a free
port of 127.0.0.1 with a configuration of its own (one user in a passwd-file, a Maildir under
the test's temporary folder), and stopped when the test ends. Messages are put in the
mailbox over IMAP (APPEND), as a mail server delivering them would leave them."""

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "cases"
PASSWORD = "inbox-password"


def installed() -> bool:
    return os.access(DOVECOT, os.X_OK)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _accounts() -> tuple[str, str, int, int]:
    """Who Dovecot's own processes and the mail user run as. As root, Debian's dovecot and
    dovenull users (Dovecot will not read mail as root); otherwise the current user for all."""
    if os.geteuid() == 0:
        mail = pwd.getpwnam("dovecot")
        return "dovecot", "dovenull", mail.pw_uid, mail.pw_gid
    me = pwd.getpwuid(os.geteuid())
    return me.pw_name, me.pw_name, me.pw_uid, me.pw_gid


CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {run}
state_dir = {state}
log_path = {log}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{mail}/%u
mail_uid = {uid}
mail_gid = {gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str
    process: subprocess.Popen
    log: Path
    folder: Path

    def settings(self, **more) -> dict:
        """The app settings that point the portal's inbox at this server."""
        return {
            "MAIL_INBOX_HOST": self.host,
            "MAIL_INBOX_PORT": self.port,
            "MAIL_INBOX_USER": self.user,
            "MAIL_INBOX_PASSWORD": self.password,
            "MAIL_INBOX_FOLDER": "INBOX",
            "MAIL_INBOX_TLS": False,
            **more,
        }

    def connect(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        imap.login(self.user, self.password)
        return imap

    def deliver(self, message: EmailMessage | bytes) -> None:
        """Put a message in the inbox, unread."""
        data = message if isinstance(message, bytes) else message.as_bytes()
        imap = self.connect()
        try:
            status, answer = imap.append("INBOX", "", imaplib.Time2Internaldate(time.time()), data)
            assert status == "OK", answer
        finally:
            imap.logout()

    def count(self) -> int:
        imap = self.connect()
        try:
            status, data = imap.select("INBOX", readonly=True)
            assert status == "OK", data
            return int(data[0])
        finally:
            imap.logout()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            return connection.recv(100).startswith(b"* OK")
    except OSError:
        return False


def start() -> ImapServer:
    """Start Dovecot with its files in a temporary folder of its own; stop() stops it and
    removes them. The folder is a short path directly under the system's temporary folder: Unix
    sockets' paths are short (108 bytes), and Dovecot's unprivileged processes must be able to
    reach its files, which they could not inside pytest's private folders."""
    internal, login, uid, gid = _accounts()
    folder = Path(tempfile.mkdtemp(prefix="dovecot-"))
    run, state, mail = folder / "run", folder / "state", folder / "mail"
    for path in (run, state, mail):
        path.mkdir(parents=True, exist_ok=True)
    passwd = folder / "passwd"
    passwd.write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{mail}/{USER}::\n")
    if os.geteuid() == 0:
        for path in (folder, mail):
            os.chown(path, uid, gid)
    os.chmod(folder, 0o755)
    port = _free_port()
    log = folder / "dovecot.log"
    config = folder / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            run=run,
            state=state,
            log=log,
            internal=internal,
            internal_group=internal,
            login=login,
            mail=mail,
            uid=uid,
            gid=gid,
            passwd=passwd,
            port=port,
        )
    )
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 20
    while not _answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            logged = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"Dovecot did not start:\n{output}\n{logged}")
        time.sleep(0.1)
    return ImapServer("127.0.0.1", port, USER, PASSWORD, process, log, folder)


def stop(server: ImapServer) -> None:
    server.stop()
    shutil.rmtree(server.folder, ignore_errors=True)
